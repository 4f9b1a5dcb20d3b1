import path from 'node:path';
import type { ApprovalDesk } from '../approval/approval-desk.js';
import type { Runbook } from '../document/runbook.js';
import type { Resolved, Scope } from '../expressions/evaluate.js';
import type { Unknown } from '../expressions/unknown.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { StepRegistry } from '../registry.js';
import type { Reporter } from '../report/reporter.js';
import type { Redactor } from '../secrets.js';
import type { OutputPath, RunEvent, RunObserver } from './events.js';
import type { RunResult, StepResult } from './run-result.js';
import { redactEvent } from './redact-event.js';
import { markRedactedOutputs } from './redacted-paths.js';
import { UnrestorableValues } from './unrestorable-values.js';
import type { PlanReview } from './plan-review.js';

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
  /** Command-line overrides of the families' settings blocks: block name to the settings given. */
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
  /** A real run's approvals: who runs it and the decisions its state keeps; without it, only the terminal is asked. */
  approvals?: ApprovalDesk;
  /** In a sub-runbook: what the journal puts before its step ids (`parent/`), outermost first. */
  stepPrefix?: string;
  /** The runbook files that run this one, outermost first (for sub-runbooks). */
  stack?: string[];
  /** How this run takes part in a reviewed plan: `plan --out`, apply's check, apply. */
  review?: PlanReview;
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

/** Shared by the steps of one run: what they have produced so far and how to tell the world. */
export class RunState {
  readonly stepData: Record<string, { outputs: JsonValue; status: string }> = {};
  readonly unknownSteps = new Map<string, Unknown>();
  readonly cleanups: (() => Promise<void> | void)[] = [];
  /** Steps stopped by Ctrl-C whose processes may still be ending: the run ends once they have. */
  readonly stopping: Promise<void>[] = [];
  readonly settings: Record<string, JsonObject> = {};
  /** The steps sub-runbooks ran, by the parent step that ran them, already prefixed. */
  readonly childSteps = new Map<string, StepResult[]>();
  readonly runbookDir: string;
  readonly unrestorable: UnrestorableValues;
  /** Taken once: copying the environment for every expression cost a run of `set` steps an eighth of its time. */
  private readonly env: JsonObject;

  /**
   * Runs a sub-runbook with the same engine: handed in by execute-runbook, so that a step that
   * runs a runbook does not import the module that runs its own runbook.
   */
  constructor(readonly options: RunOptions, readonly execute: (options: RunOptions) => Promise<RunResult>) {
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

export function toJson(value: Resolved): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

/** The last time told, reused within its millisecond: a resume tells two for each of a thousand restored steps. */
let told = { ms: Number.NaN, iso: '' };

export function now(): string {
  const ms = Date.now();
  if (ms !== told.ms) told = { ms, iso: new Date(ms).toISOString() };
  return told.iso;
}
