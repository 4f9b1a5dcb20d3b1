import type { Resolved } from './expressions/evaluate.js';
import type { JsonObject, JsonSchema, JsonValue } from './json.js';

/** What a step does to the world: `read` steps run in a dry-run, `write` steps only plan. */
export type Effect = 'read' | 'write' | 'interactive';

/** Step types declare their input with it. */
export type { JsonSchema } from './json.js';

/**
 * One resource a write would add, modify or remove, as the target system's own preview says
 * (an infrastructure service's change set, for one): data, so that `--json` and other renderings can show it.
 */
export interface ResourceChange {
  /** Add, Modify or Remove; a system may say more, kept as it says. */
  action: 'Add' | 'Modify' | 'Remove' | (string & {});
  /** The resource's name in its template. */
  logicalId: string;
  /** The resource's type as the system that manages it names it. */
  resourceType: string;
  /** Whether a Modify replaces the resource; absent when the system does not say. */
  replacement?: 'True' | 'Conditional' | 'False';
  /** What the change does to the resource's properties, where the system's preview says. */
  properties?: PropertyChange[];
}

/** One property a resource change sets, as the system's preview gives it; values are its text, possibly truncated. */
export interface PropertyChange {
  /** The property's path inside the resource, such as `LaunchTemplateData/InstanceType`. */
  name: string;
  /** Its value now; absent when the change adds it or the system does not say. */
  before?: string;
  /** Its value after the change; absent when the change removes it or the value is known only then. */
  after?: string;
  /** Whether changing it recreates the resource (`Never`, `Conditionally`, `Always`), as the system says. */
  requiresRecreation?: string;
}

/**
 * What a write step would change, shown by a dry-run: a summary, the exact request in
 * `details`, and in `changes` each resource change the system's own preview reported.
 */
export type Plan =
  | string
  | {
      summary: string;
      details?: string;
      changes?: ResourceChange[];
      /**
       * What `plan --out` made for `apply` to carry out exactly (a change set's id): recorded in
       * the plan file and given back to `run()` as `ctx.reviewed`. Only when `ctx.keepPlan`.
       */
      kept?: JsonObject;
    };

/**
 * What a write step's plan was made against, so that `apply` can tell a stale plan: `take` reads
 * it when the plan is made (recorded in the plan file) and again before `apply` writes anything.
 */
export interface BasisCheck<Input = JsonObject> {
  /**
   * What the step reads to make its plan (for a stack: its status, parameters, template, latest
   * event), and the state of what the plan kept (`ctx.reviewed`), such as a change set's status.
   */
  take(ctx: StepContext, input: Input): Promise<JsonValue>;
  /**
   * What differs between the recorded basis and the world now, one line each, such as
   * `stack status: UPDATE_COMPLETE, was CREATE_COMPLETE`; none when the plan still holds.
   * Without it, the engine compares what `take` gives now with what it recorded.
   */
  differences?(recorded: JsonValue, now: JsonValue, input: Input): string[];
}

/** The services the engine lends a step while it runs. */
export interface StepContext {
  readonly runId: string;
  readonly stepId: string;
  readonly dryRun: boolean;
  /**
   * `plan --out`: the plan is kept to be applied, so `plan()` keeps what `apply` will carry out
   * (a change set) and says so in `Plan.kept`, rather than deleting it.
   */
  readonly keepPlan: boolean;
  /**
   * What this step's reviewed plan kept (`Plan.kept`): in `apply`, to carry out exactly that; in
   * apply's check and in `basis.take` (also when `plan --out` takes it, right after `plan()`),
   * so that the state of what was kept is part of the basis. Else undefined.
   */
  readonly reviewed: JsonObject | undefined;
  /** Aborted on timeout or Ctrl-C; a step must stop its work when it fires. */
  readonly signal: AbortSignal;
  /** The folder of the runbook file: relative paths in `with` are resolved against it. */
  readonly runbookDir: string;
  /**
   * A top-level settings block of the runbook that a step family declares (engine/step-family.ts),
   * evaluated, with the command line's overrides applied on top; {} when the runbook has none.
   */
  settings(name: string): JsonObject;
  /** Replaces the step's line in the progress output. */
  progress(message: string): void;
  /** Adds a line under the step in the progress output and the log. */
  log(message: string): void;
  /**
   * A line the operator must still see once the step is over (such as which credentials it
   * used): kept under the step, on a terminal's live view too, where log lines pass.
   */
  note(message: string): void;
  /** Asks the operator a yes/no question; refuses when nobody can answer. */
  confirm(message: string): Promise<boolean>;
  /**
   * Gets an approval, recorded in the run's state: asks the operator at the terminal when they
   * may give it (`--yes` answers for them), else records that the run waits, says who may
   * approve and how, and watches the state for their decisions (`stepwise approve`). Resolves
   * once enough approvers approved; throws a StepFailure when one rejects (code `rejected`),
   * when it is not decided (`--no-wait`, or `timeout` passed: code `waiting`, resumable), or
   * when the request is not one (`minApprovals` below 1, `approvers` not a list of strings,
   * `timeout` not a duration: code `invalid-input`).
   */
  approve(request: ApprovalRequest): Promise<ApprovalOutcome>;
  /** Runs when the run ends, whatever its outcome (for processes a step leaves running). */
  onRunEnd(cleanup: () => Promise<void> | void): void;
  /**
   * Runs another runbook file (relative to this one) as part of this run, step by step:
   * its steps are journaled, dry-run and resumed like this runbook's own. Returns its outputs.
   */
  runbook(file: string, params: JsonObject): Promise<JsonValue>;
}

/** What an approval asks for: who may decide, how many must approve, and how long the run waits. */
export interface ApprovalRequest {
  /** The question, saying what happens next and what it risks. */
  message: string;
  /** Identities, `*` patterns of them, or user names; empty: anyone who can reach the run's state. */
  approvers: string[];
  /** How many of them must approve: a whole number, at least 1. */
  minApprovals: number;
  /** Whether the operator who runs the runbook may count as one of them. */
  allowSelfApproval: boolean;
  /** How long to wait for decisions, a duration such as `24h`. */
  timeout: string;
}

export interface ApprovalOutcome {
  /** Whose approvals let the run go on, in the order they came. */
  approvedBy: string[];
}

/** Where a `${{ }}` expression stands in a string: from `${{` to just after `}}`. */
export interface ExpressionSpan {
  readonly start: number;
  readonly end: number;
  readonly expression: string;
}

/** Literal text, or an expression whose value takes its place. */
export type TemplatePiece = { text: string } | { expression: string };

/** What the engine lends `resolveInput`: the `${{ }}` expressions, evaluated against the run. */
export interface InputResolver {
  /** Every expression of a value resolved where it stands, as for a step without `resolveInput`. */
  resolve(value: JsonValue): Resolved;
  /** Where the expressions of a string stand, in order. */
  expressions(template: string): ExpressionSpan[];
  /**
   * Text and expressions joined into one string, each value turned into text as an expression
   * inside a longer string is; a value a dry-run cannot know makes the whole of it unknown.
   */
  text(pieces: readonly TemplatePiece[]): Resolved;
}

/** A mistake in a step's `with` that shows before anything runs. */
export interface InputProblem {
  /** Where in `with`, such as `['command']` or `['filters', 0]`. */
  readonly path: readonly (string | number)[];
  /** In a string value: how many characters into it the mistake stands. */
  readonly offset?: number;
  /** What is wrong and what would be allowed, without naming the step (the engine does). */
  readonly message: string;
}

/** What the engine lends `checkInput`: `with` is as written, its expressions not yet resolved. */
export interface InputInspector {
  /** Where the expressions of a string stand, in order. */
  expressions(template: string): ExpressionSpan[];
}

/** A runbook a step runs, and the params it passes, as written in `with`. */
export interface IncludedRunbook {
  readonly path: string;
  readonly params?: JsonObject;
  /** Where `params` is written in `with`, such as `['params']`, for validate's messages. */
  readonly paramsAt?: readonly (string | number)[];
}

/** What a step's `includes` gives, each entry in one form; none for a step type without it. */
export function includedRunbooks(definition: Pick<StepDefinition, 'includes'>, input: JsonObject | undefined): IncludedRunbook[] {
  return (definition.includes?.((input ?? {}) as never) ?? []).map((entry) => (typeof entry === 'string' ? { path: entry } : entry));
}

export interface StepDefinition<Input = JsonObject> {
  readonly type: string;
  readonly description: string;
  /** Fixed, or decided by the step's input (a shell step declares its own). */
  readonly effect: Effect | ((input: Input) => Effect);
  /** JSON Schema of `with`. */
  readonly input: JsonSchema;
  /**
   * Running it again does no harm even if it had made its change, so a resume re-runs a write
   * step that was in flight without asking the operator.
   */
  readonly idempotent?: boolean;
  /**
   * What it does ends when the run ends (a background process it starts is stopped then), so
   * a resume runs it again rather than restoring it from the journal.
   */
  readonly lastsForTheRun?: boolean;
  /** True when the change is already in place, so a resume or re-run can skip it. */
  check?(ctx: StepContext, input: Input): Promise<boolean>;
  /** Write steps: what `run` would change, with every value resolved. */
  plan?(ctx: StepContext, input: Input): Promise<Plan>;
  /** Write steps: what the plan was made against, recorded by `plan --out` and checked by `apply`. */
  readonly basis?: BasisCheck<Input>;
  /**
   * Write steps whose `plan()` keeps something in the target system (`Plan.kept`, such as a
   * change set): removes it. Called by the engine when `plan --out` writes no plan file (the plan
   * failed, was interrupted, kept a secret, or was superseded by a retry), and by `stepwise
   * discard PLAN` for a plan file that will not be applied. It gets a signal of its own, not the
   * run's; what it throws is shown with what is left. Resolves `gone` when what was kept was not
   * there any more (deleted by hand, dropped by the target system): discarding twice is no error.
   */
  discardKept?(ctx: StepContext, kept: JsonObject, input: Input): Promise<void | 'gone'>;
  /**
   * What `kept` holds in the target system and where, in words (`change set ARN of stack S, in
   * CloudFormation`), told when it is discarded, cannot be, or stays because `apply` refused a
   * stale plan; undefined when it holds nothing outside the plan file.
   */
  describeKept?(kept: JsonObject, input: Input): string | undefined;
  /**
   * Resolves the expressions of `with`, for an input with a syntax of its own that values must
   * never take part in (a command line split into words). Without it, each expression is
   * resolved where it stands.
   */
  resolveInput?(input: JsonObject, resolver: InputResolver): Resolved;
  /**
   * The mistakes of `with` that its JSON Schema cannot say and that `run` would refuse whatever
   * the run's values (a shell operator in a command line), so that `validate` reports them,
   * located, before anything runs. `input` is as written: a value that holds an expression is
   * known only at run time and must be let through.
   */
  checkInput?(input: JsonObject, inspect: InputInspector): InputProblem[];
  /**
   * Runbook files this step runs (paths as written in `with`), validated along with this one;
   * with the params each gets, as written, validate checks their names against the runbook's.
   */
  includes?(input: Input): (string | IncludedRunbook)[];
  /** Does the work and returns the raw result that `outputs:` selectors read. */
  run(ctx: StepContext, input: Input): Promise<JsonValue>;
}

/** Only adds types: a plugin may export the plain object instead. */
export function defineStep<Input = JsonObject>(definition: StepDefinition<Input>): StepDefinition<Input> {
  return definition;
}
