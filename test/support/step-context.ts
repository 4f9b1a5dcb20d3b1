/** The one StepContext for calling a step's check/plan/run directly: it records what the step reports. */
import type { JsonObject, JsonValue } from '../../engine/json.js';
import type { ApprovalRequest, StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';

export interface FakeStepContext extends StepContext {
  readonly progressMessages: string[];
  /** The lines the step logged; its notes are in `notes`. */
  readonly logs: string[];
  readonly notes: string[];
  readonly questions: string[];
  /** What `approve` was asked for, in order. */
  readonly approvals: ApprovalRequest[];
  /** Aborts `signal`, as a timeout or Ctrl-C does. */
  abort(reason?: unknown): void;
  /** Runs the run-end cleanups in reverse order, as the engine does at the end of a run. */
  endRun(): Promise<void>;
}

export interface FakeStepContextOptions {
  runId?: string;
  stepId?: string;
  dryRun?: boolean;
  /** As `plan --out` sets it. */
  keepPlan?: boolean;
  /** What an `apply` gives back of the step's reviewed plan. */
  reviewed?: JsonObject;
  runbookDir?: string;
  /** Aborting it aborts the context's signal. */
  signal?: AbortSignal;
  /** The runbook's settings blocks by name, such as `{ aws: { region: 'eu-west-1' } }`. */
  settings?: Record<string, JsonObject>;
  /** The operator's answers to `confirm` and `approve`, in order; a question beyond them fails the test. */
  answers?: boolean[];
  /** What `runbook(file, params)` does; without it the call fails the test. */
  runbook?: (file: string, params: JsonObject) => Promise<JsonValue>;
}

export function fakeStepContext(options: FakeStepContextOptions = {}): FakeStepContext {
  const controller = new AbortController();
  if (options.signal) options.signal.addEventListener('abort', () => controller.abort(options.signal!.reason), { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const answers = [...(options.answers ?? [])];
  const progressMessages: string[] = [];
  const logs: string[] = [];
  const notes: string[] = [];
  const questions: string[] = [];
  const approvals: ApprovalRequest[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  return {
    runId: options.runId ?? 'run-test',
    stepId: options.stepId ?? 'step-test',
    dryRun: options.dryRun ?? false,
    keepPlan: options.keepPlan ?? false,
    reviewed: options.reviewed,
    signal: controller.signal,
    runbookDir: options.runbookDir ?? process.cwd(),
    progressMessages,
    logs,
    notes,
    questions,
    approvals,
    settings: (name) => options.settings?.[name] ?? {},
    progress: (message) => void progressMessages.push(message),
    log: (message) => void logs.push(message),
    note: (message) => void notes.push(message),
    async confirm(message) {
      questions.push(message);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`the test did not expect the question: ${message}`);
      return answer;
    },
    async approve(request) {
      approvals.push(request);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`the test did not expect the approval: ${request.message}`);
      if (!answer) throw new StepFailure(`rejected by tester ("${request.message}")`, { code: 'declined', retryable: false });
      return { approvedBy: ['tester'] };
    },
    onRunEnd: (cleanup) => void cleanups.push(cleanup),
    runbook: async (file, params) => {
      if (!options.runbook) throw new Error(`the test did not expect the step to run the runbook ${file}`);
      return options.runbook(file, params);
    },
    abort: (reason) => controller.abort(reason),
    async endRun() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}
