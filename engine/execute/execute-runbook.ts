import path from 'node:path';
import type { Runbook, StepSpec } from '../document/runbook.js';
import { resolveValue, type Resolved, type ResolvedObject, type Scope } from '../expressions/evaluate.js';
import { Unknown } from '../expressions/unknown.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { StepRegistry } from '../registry.js';
import type { Reporter } from '../report/reporter.js';
import type { Redactor } from '../secrets.js';
import type { FailureInfo, OutputPath, RunEvent, RunObserver, RunStatus, StepStatus } from './events.js';
import { asFailure, executeStep } from './execute-step.js';
import { redactEvent, redactResult } from './redact-event.js';
import { markRedactedOutputs } from './redacted-paths.js';
import { UnrestorableValues } from './unrestorable-values.js';

export interface RunOptions {
  runbook: Runbook;
  runbookFile: string;
  registry: StepRegistry;
  params: JsonObject;
  redactor: Redactor;
  runId: string;
  dryRun: boolean;
  /** `--yes`: approvals and confirmations are answered yes. */
  assumeYes: boolean;
  /** A terminal is there to answer questions. */
  interactive: boolean;
  /** Command-line overrides of settings blocks, such as `{ aws: { region } }`. */
  settingsOverrides: Record<string, JsonObject>;
  /** Ctrl-C. */
  signal: AbortSignal;
  reporter: Reporter;
  /** More observers, such as the journal; each event waits for all of them. */
  observers?: RunObserver[];
  /** On resume: what to do with a step (or forEach item) that already succeeded; undefined: run it. */
  restore?: (stepId: string, item?: ItemRef) => RestoreDecision | undefined;
  /** On resume: the keys of a forEach step's items that an earlier attempt reached. */
  itemsSeen?: (stepId: string) => readonly string[] | undefined;
  /** Shared with sub-runbooks: the stand-ins of outputs the journal could not keep. */
  unrestorable?: UnrestorableValues;
  env?: NodeJS.ProcessEnv;
  /** The runbook files that run this one, outermost first (for sub-runbooks). */
  stack?: string[];
}

/** A forEach item as a resume knows it: where it stands now, and its value in canonical JSON. */
export interface ItemRef {
  index: number;
  key: string;
}

/**
 * A step that succeeded before: its outputs given back (`id` as the journal names it, a
 * sub-runbook's prefixed), or run again because it only reads and the world may have changed.
 */
export type RestoreDecision = { restore: JsonValue; unrestorable: OutputPath[]; id: string } | { readAgain: true };

export interface StepResult {
  id: string;
  type: string;
  title: string;
  status: StepStatus | 'not-run';
  outputs: Resolved;
  durationMs: number;
  error?: FailureInfo;
  dependsOn?: string[];
  /** On resume: it had succeeded, and ran again because it only reads. */
  readAgain?: true;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  outputs: Resolved;
  steps: StepResult[];
  failure?: RunFailure;
  durationMs: number;
}

/** Why a run stopped: the step at fault, or `outputs.<name>` for a runbook output. */
export type RunFailure = FailureInfo & { stepId: string };

/** Shared by the steps of one run: what they have produced so far and how to tell the world. */
export class RunState {
  readonly stepData: Record<string, { outputs: JsonValue; status: string }> = {};
  readonly unknownSteps = new Map<string, Unknown>();
  readonly cleanups: (() => Promise<void> | void)[] = [];
  readonly settings: Record<string, JsonObject> = {};
  /** The steps sub-runbooks ran, by the parent step that ran them, already prefixed. */
  readonly childSteps = new Map<string, StepResult[]>();
  readonly runbookDir: string;
  readonly unrestorable: UnrestorableValues;
  /** Taken once: copying the environment for every expression cost a run of `set` steps an eighth of its time. */
  private readonly env: JsonObject;

  constructor(readonly options: RunOptions) {
    this.runbookDir = path.dirname(path.resolve(options.runbookFile));
    this.unrestorable = options.unrestorable ?? new UnrestorableValues(options.redactor, options.runId);
    this.env = { ...(options.env ?? process.env) } as JsonObject;
  }

  scope(item?: Resolved): Scope {
    const data: Record<string, JsonValue> = {
      params: this.options.params,
      steps: this.stepData,
      env: this.env,
      // the settings the steps use, overrides applied: what a runbook reports of them is what its steps did
      run: { id: this.options.runId, dryRun: this.options.dryRun, settings: this.settings },
    };
    if (item !== undefined) data.item = item as JsonValue;
    return { data, unknownSteps: this.unknownSteps };
  }

  async emit(event: RunEvent): Promise<void> {
    const redacted = markRedactedOutputs(event, redactEvent(this.options.redactor, event));
    await this.options.reporter.onEvent(redacted);
    for (const observer of this.options.observers ?? []) await observer.onEvent(redacted);
  }
}

/** A run's result as shown and returned: redacted. */
export async function executeRunbook(options: RunOptions): Promise<RunResult> {
  return redactResult(options.redactor, await executeRunbookUnredacted(options));
}

/**
 * The result with real values, for a sub-runbook's parent step: its outputs are the step's
 * outputs, which the parent's own rendering redacts (and marks unrestorable in the journal).
 */
export async function executeRunbookUnredacted(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const state = new RunState(options);
  const { runbook } = options;
  await state.emit({ type: 'run-started', runId: options.runId, runbook: runbook.name, version: runbook.version, dryRun: options.dryRun, at: now() });
  resolveSettings(state);
  const steps: StepResult[] = runbook.steps.map((step) => ({ id: step.id, type: step.type, title: step.name ?? step.id, status: 'not-run', outputs: null, durationMs: 0 }));
  let status: RunStatus = options.dryRun ? 'planned' : 'succeeded';
  let failure: RunResult['failure'];
  try {
    for (const [index, step] of runbook.steps.entries()) {
      const result = await executeStep(step, state);
      steps[index] = result;
      if (result.status === 'failed' && endsTheRun(step, result.error!)) {
        failure = { ...result.error!, stepId: step.id };
        status = runStatusOf(result.error!.code);
        break;
      }
    }
  } finally {
    await runCleanups(state);
  }
  let outputs: Resolved = null;
  if (status === 'succeeded' || status === 'planned') {
    const resolved = resolveRunOutputs(runbook, state);
    if ('failure' in resolved) {
      failure = resolved.failure;
      status = 'failed';
    } else {
      outputs = resolved.outputs;
    }
  }
  const durationMs = Date.now() - started;
  await state.emit({ type: 'run-finished', status, outputs: toJson(outputs), durationMs, at: now() });
  const allSteps = steps.flatMap((step) => [step, ...(state.childSteps.get(step.id) ?? [])]);
  return { runId: options.runId, status, outputs, steps: allSteps, failure, durationMs };
}

/** Ctrl-C ends the run whatever the step's `onFailure` says: the operator asked to stop. */
function endsTheRun(step: StepSpec, error: FailureInfo): boolean {
  return step.onFailure !== 'continue' || error.code === 'interrupted';
}

function runStatusOf(code: string): RunStatus {
  if (code === 'interrupted') return 'interrupted';
  if (code === 'declined') return 'declined';
  return 'failed';
}

function resolveSettings(state: RunState): void {
  const { runbook, settingsOverrides } = state.options;
  const declared = { aws: runbook.aws ?? {} } as Record<string, JsonObject>;
  for (const name of new Set([...Object.keys(declared), ...Object.keys(settingsOverrides)])) {
    const resolved = resolveValue(declared[name] ?? {}, state.scope()) as JsonObject;
    const overrides = Object.fromEntries(Object.entries(settingsOverrides[name] ?? {}).filter(([, value]) => value !== undefined));
    state.settings[name] = { ...resolved, ...overrides };
  }
}

/**
 * An output that cannot be evaluated fails the run; the failure names it as `outputs.<name>`,
 * which no step id can be, since step ids have no dot.
 */
function resolveRunOutputs(runbook: Runbook, state: RunState): { outputs: Resolved } | { failure: RunFailure } {
  const outputs: ResolvedObject = {};
  for (const [name, expression] of Object.entries(runbook.outputs ?? {})) {
    try {
      outputs[name] = resolveValue(expression, state.scope());
    } catch (error) {
      return { failure: { ...asFailure(error), stepId: `outputs.${name}` } };
    }
  }
  return { outputs };
}

async function runCleanups(state: RunState): Promise<void> {
  for (const cleanup of state.cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      state.options.reporter.view('run').log(`cleanup failed: ${(error as Error).message}`);
    }
  }
}

export function toJson(value: Resolved): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

export function now(): string {
  return new Date().toISOString();
}
