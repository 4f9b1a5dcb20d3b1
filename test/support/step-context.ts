/** A StepContext for calling a step's run/plan/check directly, recording what the step reports. */
import type { JsonObject } from '../../engine/json.js';
import type { StepContext } from '../../engine/step-definition.js';

export interface RecordingStepContext extends StepContext {
  readonly progressMessages: string[];
  readonly logMessages: string[];
  readonly noteMessages: string[];
}

export function fakeStepContext(options: { dryRun?: boolean; aws?: JsonObject; signal?: AbortSignal; stepId?: string } = {}): RecordingStepContext {
  const progressMessages: string[] = [];
  const logMessages: string[] = [];
  const noteMessages: string[] = [];
  return {
    runId: 'test-run',
    stepId: options.stepId ?? 'test-step',
    dryRun: options.dryRun ?? false,
    signal: options.signal ?? new AbortController().signal,
    runbookDir: process.cwd(),
    settings: (name) => (name === 'aws' ? (options.aws ?? {}) : {}),
    progress: (message) => progressMessages.push(message),
    log: (message) => logMessages.push(message),
    note: (message) => noteMessages.push(message),
    confirm: async () => {
      throw new Error('a test step context cannot answer questions');
    },
    onRunEnd: () => undefined,
    runbook: async (file) => {
      throw new Error(`a test step context cannot run the runbook ${file}`);
    },
    progressMessages,
    logMessages,
    noteMessages,
  };
}
