import type { StepContext } from '../../engine/step-definition.js';

/** The services a step borrows from the engine, reduced to what edn.ensure uses. */
export function fakeContext(runbookDir: string, overrides: Partial<StepContext> = {}): StepContext & { logs: string[] } {
  const logs: string[] = [];
  return {
    runId: 'run-test',
    stepId: 'edn',
    dryRun: false,
    signal: new AbortController().signal,
    runbookDir,
    settings: () => ({}),
    progress: () => undefined,
    log: (message) => {
      logs.push(message);
    },
    note: (message) => {
      logs.push(message);
    },
    confirm: async () => false,
    onRunEnd: () => undefined,
    logs,
    ...overrides,
  };
}
