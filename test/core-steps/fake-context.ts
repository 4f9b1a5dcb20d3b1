import type { JsonObject } from '../../engine/json.js';
import type { StepContext } from '../../engine/step-definition.js';

/** A StepContext that records what the step said and answers questions from a script. */
export interface FakeContext extends StepContext {
  readonly logs: string[];
  readonly progressMessages: string[];
  readonly questions: string[];
  abort(reason?: unknown): void;
}

export function fakeContext(options: { runbookDir?: string; answers?: boolean[] } = {}): FakeContext {
  const controller = new AbortController();
  const answers = [...(options.answers ?? [])];
  const logs: string[] = [];
  const progressMessages: string[] = [];
  const questions: string[] = [];
  return {
    runId: 'run-test',
    stepId: 'step-test',
    dryRun: false,
    signal: controller.signal,
    runbookDir: options.runbookDir ?? process.cwd(),
    logs,
    progressMessages,
    questions,
    settings: (): JsonObject => ({}),
    progress: (message) => progressMessages.push(message),
    log: (message) => logs.push(message),
    note: (message) => logs.push(message),
    async confirm(message) {
      questions.push(message);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected question: ${message}`);
      return answer;
    },
    onRunEnd: () => undefined,
    abort: (reason) => controller.abort(reason),
  };
}

/** Runs `promise` to its rejection and returns the error, failing when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
