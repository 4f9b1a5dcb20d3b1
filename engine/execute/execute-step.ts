import { canonicalJson } from '../canonical-json.js';
import type { OutputSpec, StepSpec } from '../document/runbook.js';
import { parseDuration } from '../duration.js';
import { StateWriteError } from '../exit-codes.js';
import { EvaluationError, isTruthy, resolveValue, select, type Resolved } from '../expressions/evaluate.js';
import { resolveStepInput } from '../expressions/resolve-step-input.js';
import { findUnknown, Unknown } from '../expressions/unknown.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { Effect, StepContext, StepDefinition } from '../step-definition.js';
import { hasTooShortSecret, MIN_SECRET_LENGTH } from '../secrets.js';
import { effectOfStep } from '../step-effect.js';
import { StepFailure } from '../step-failure.js';
import { compileSchema } from '../validate/ajv.js';
import { actionableErrors, describeSchemaError } from '../validate/describe-schema-error.js';
import { abortable, delay, interruptedFailure, settledWithin, STOP_GRACE_MS, timeoutFailure } from './abortable.js';
import type { FailureInfo } from './events.js';
import type { StepResult } from './run-result.js';
import { now, toJson, type ItemRef, type RunState } from './run-state.js';
import { retryDelay, shouldRetry, UNTIL_NOT_MET } from './retry-policy.js';
import { explainSkip } from './explain-skip.js';
import { LiveLines } from './live-lines.js';
import { runChildRunbook } from './run-child-runbook.js';
import type { PlannedWrite } from './plan-review.js';
import { checkBasis, refuseUnreviewedInput } from './check-reviewed.js';
import { heldPlan } from '../plans/held-plans.js';
import { awaitApproval } from './await-approval.js';

/** One item's outcome: its outputs, or why it produced none. */
type ItemOutcome =
  | { kind: 'done'; outputs: Resolved; status: 'succeeded' | 'satisfied' | 'restored' | 'would-ask'; readAgain?: true }
  | { kind: 'unknown'; unknown: Unknown; status: 'planned' | 'depends' }
  | { kind: 'failed'; error: FailureInfo };

export async function executeStep(step: StepSpec, state: RunState): Promise<StepResult> {
  const started = Date.now();
  const title = step.name ?? step.id;
  const base = { id: step.id, type: step.type, title };
  const finish = async (status: StepResult['status'], outputs: Resolved, extra: Partial<StepResult> = {}): Promise<StepResult> => {
    const durationMs = Date.now() - started;
    // one copy serves both: what reporters and the journal get of an event they only read
    const json = toJson(outputs);
    state.stepData[step.id] = { outputs: json, status };
    if (outputs instanceof Unknown) state.unknownSteps.set(step.id, outputs);
    if (status !== 'not-run') await state.emit({ type: 'step-finished', stepId: step.id, status, outputs: json, durationMs, at: now() });
    return { ...base, status, outputs, durationMs, ...extra };
  };
  try {
    const review = state.options.review;
    const condition = step.if === undefined ? true : resolveValue(step.if, state.scope());
    if (condition instanceof Unknown) {
      review?.decided?.(step.id, { decision: 'depends', dependsOn: [...condition.dependsOn] });
      return await dependsOn(step, state, condition, finish);
    }
    if (!isTruthy(condition)) {
      review?.decided?.(step.id, { decision: 'skipped' });
      await state.emit({ type: 'step-skipped', stepId: step.id, title, reason: explainSkip(step, state.scope()), at: now() });
      return await finish('skipped', null);
    }
    const items = resolveItems(step, state);
    if (items instanceof Unknown) {
      review?.decided?.(step.id, { decision: 'depends', dependsOn: [...items.dependsOn] });
      return await dependsOn(step, state, items, finish);
    }
    const keys = step.forEach === undefined ? undefined : items.map((item) => state.options.redactor.text(canonicalJson(item)));
    review?.decided?.(step.id, keys ? { decision: 'ran', items: keys } : { decision: 'ran' });
    if (keys) sayWhatChanged(step, state, keys);
    const outcomes: ItemOutcome[] = [];
    for (const [index, item] of items.entries()) {
      const outcome = await executeItem(step, state, keys ? { index, key: keys[index]! } : undefined, item);
      outcomes.push(outcome);
      if (outcome.kind === 'failed') return await finish('failed', null, { error: outcome.error });
    }
    return await finishWith(step, outcomes, finish);
  } catch (error) {
    // the run's record cannot be written (a full disk): not the step's failure, and no event can record it
    if (error instanceof StateWriteError) throw error;
    const failure = state.options.signal.aborted ? asFailure(interruptedFailure()) : asFailure(error);
    await state.emit({ type: 'step-failed', stepId: step.id, error: failure, willRetry: false, durationMs: Date.now() - started, at: now() });
    return await finish('failed', null, { error: failure });
  }
}

type Finish = (status: StepResult['status'], outputs: Resolved, extra?: Partial<StepResult>) => Promise<StepResult>;

async function finishWith(step: StepSpec, outcomes: ItemOutcome[], finish: Finish): Promise<StepResult> {
  const unknown = findUnknown(outcomes.map((o) => (o.kind === 'unknown' ? o.unknown : null)));
  if (unknown) {
    const status = outcomes.some((o) => o.kind === 'unknown' && o.status === 'planned') ? 'planned' : 'depends';
    return finish(status, unknown, { dependsOn: [...unknown.dependsOn] });
  }
  const done = outcomes.filter((o): o is Extract<ItemOutcome, { kind: 'done' }> => o.kind === 'done');
  const outputs = step.forEach === undefined ? (done[0]?.outputs ?? null) : done.map((o) => o.outputs);
  const statuses = new Set(done.map((o) => o.status));
  const status = statuses.size === 1 ? [...statuses][0]! : 'succeeded';
  return finish(status, outputs, done.some((o) => o.readAgain) ? { readAgain: true } : {});
}

/**
 * On resume, a forEach list read again may differ from the one the run began with: items are
 * known by value, so a new one runs and a done one is not repeated; the operator hears which.
 * An item is new when it stands before one the earlier attempt reached: after them, it is
 * simply not reached yet.
 */
function sayWhatChanged(step: StepSpec, state: RunState, keys: string[]): void {
  const seen = state.options.itemsSeen?.(step.id);
  // `#<position>`: a journal from before items were known by value cannot tell.
  if (!seen || seen.some((key) => key.startsWith('#'))) return;
  // sets and a loop: a forEach list may be long enough to overflow Math.max(...list)
  const seenKeys = new Set(seen);
  const currentKeys = new Set(keys);
  let lastReached = -1;
  keys.forEach((key, index) => {
    if (seenKeys.has(key)) lastReached = index;
  });
  const added = keys.filter((key, index) => index < lastReached && !seenKeys.has(key));
  const removed = seen.filter((key) => !currentKeys.has(key));
  const view = state.options.reporter.view(step.id);
  if (added.length) view.log(`items new in the list since the run began (they run): ${added.join(', ')}`);
  if (removed.length) view.log(`items no longer in the list since the run began (not run again): ${removed.join(', ')}`);
}

async function dependsOn(step: StepSpec, state: RunState, unknown: Unknown, finish: Finish): Promise<StepResult> {
  await state.emit({ type: 'step-planned', stepId: step.id, status: 'depends', input: null, dependsOn: [...unknown.dependsOn], at: now() });
  return finish('depends', unknown, { dependsOn: [...unknown.dependsOn] });
}

function resolveItems(step: StepSpec, state: RunState): Resolved[] | Unknown {
  if (step.forEach === undefined) return [null];
  const list = resolveValue(step.forEach, state.scope());
  if (list instanceof Unknown) return list;
  if (!Array.isArray(list)) {
    throw new StepFailure(`forEach gave ${describe(list)}, not a list`, { code: 'invalid-input', retryable: false });
  }
  return list;
}

async function executeItem(step: StepSpec, state: RunState, ref: ItemRef | undefined, itemValue: Resolved): Promise<ItemOutcome> {
  const item = ref?.index;
  const definition = await state.options.registry.load(step.type);
  // what such a step did ended with the run that did it: a resume does it again
  const decision = definition.lastsForTheRun ? undefined : state.options.restore?.(step.id, ref);
  if (decision && 'restore' in decision) {
    const outputs = decision.unrestorable.length ? state.unrestorable.standIn(decision.id, decision.restore, decision.unrestorable) : decision.restore;
    await state.emit({ type: 'step-succeeded', stepId: step.id, item, itemKey: ref?.key, outputs, durationMs: 0, via: 'restore', at: now() });
    return { kind: 'done', outputs, status: 'restored' };
  }
  const scope = state.scope(item === undefined ? undefined : itemValue);
  const input = withoutNulls(resolveStepInput(definition, step.with ?? {}, scope));
  if (!state.options.dryRun) state.unrestorable.refuseIn(input, step.id);
  const unknown = findUnknown(input);
  const effect = effectOfStep(definition, input);
  const lines = new LiveLines(state.options.reporter.view(labelOf(step, item)), state.options.redactor, step.outputs);
  try {
    if (state.options.dryRun && effect !== 'read') return await planItem(step, state, definition, effect, input, ref, unknown, lines);
    if (unknown) return await planItem(step, state, definition, effect, input, ref, unknown, lines);
    if (effect === 'write') refuseUnreviewedInput(step, state, ref, input);
    const outcome = await runItem(step, state, definition, effect, validateInput(definition, input as JsonObject), ref, lines, decision !== undefined);
    return outcome.kind === 'done' && decision !== undefined ? { ...outcome, readAgain: true } : outcome;
  } finally {
    lines.end();
  }
}

function labelOf(step: StepSpec, item: number | undefined): string {
  return item === undefined ? step.id : `${step.id}[${item}]`;
}

/**
 * A `with` key whose value comes out null counts as not given, so a runbook can pass an
 * optional param through (`region: "${{ params.region }}"`) without a schema error.
 */
function withoutNulls(input: Resolved): Resolved {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || input instanceof Unknown) return input;
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null));
}


async function planItem(step: StepSpec, state: RunState, definition: StepDefinition, effect: Effect, input: Resolved, ref: ItemRef | undefined, unknown: Unknown | undefined, lines: LiveLines): Promise<ItemOutcome> {
  const item = ref?.index;
  const shownInput = toJson(input);
  const { review, redactor } = state.options;
  const recordWrite = (write: Omit<PlannedWrite, 'input' | 'itemKey'>) => {
    if (effect === 'write') review?.planned?.(step.id, { ...(ref ? { itemKey: ref.key } : {}), input: redactor.value(shownInput), ...write });
  };
  if (unknown) {
    await state.emit({ type: 'step-planned', stepId: step.id, item, status: 'depends', input: shownInput, dependsOn: [...unknown.dependsOn], at: now() });
    recordWrite({ status: 'depends' });
    return { kind: 'unknown', unknown, status: 'depends' };
  }
  const valid = validateInput(definition, input as JsonObject);
  const ctx = contextFor(step, state, state.options.signal, ref, lines);
  if (effect === 'interactive') {
    const plan = definition.plan ? await abortable(definition.plan(ctx, valid), ctx.signal) : `would ask: ${interactiveText(valid)}`;
    await state.emit({ type: 'step-planned', stepId: step.id, item, status: 'would-ask', input: shownInput, plan, at: now() });
    return { kind: 'done', outputs: selectOutputs(step, null, state), status: 'would-ask' };
  }
  if (await isInPlace(definition, ctx, valid)) {
    await state.emit({ type: 'step-planned', stepId: step.id, item, status: 'satisfied', input: shownInput, plan: 'already in place: nothing to do', at: now() });
    recordWrite({ status: 'satisfied' });
    return { kind: 'done', outputs: selectOutputs(step, null, state), status: 'satisfied' };
  }
  // apply's check prepares nothing again (a change set): the plan it checks is the one reviewed
  const plan = review?.mode === 'check' ? undefined : definition.plan ? await abortable(definition.plan(ctx, valid), ctx.signal) : `would run ${step.type} with ${JSON.stringify(shownInput)}`;
  const kept = typeof plan === 'object' ? plan.kept : undefined;
  // known before a secret in it is refused: a plan file is not written then, and what it kept must go
  const held = effect === 'write' && review?.mode === 'keep' && kept !== undefined ? heldPlan(definition, ctx, kept, valid, redactor) : undefined;
  if (held) review?.held?.(step.id, ref?.key, held);
  if (kept !== undefined && canonicalJson(redactor.value(kept)) !== canonicalJson(kept)) {
    throw new StepFailure(`${step.type}: its plan keeps a secret value for apply (Plan.kept), which a plan file must never hold`, { code: 'secret-in-plan', retryable: false });
  }
  // taken after plan(), as apply's check takes it: what preparing the plan did is part of it
  // taken with what the plan kept (`ctx.reviewed`), as the plan file will hold it, so that its state is part of the basis
  const basisCtx = kept === undefined ? ctx : { ...ctx, reviewed: kept };
  const basis = review?.planned && effect === 'write' && definition.basis ? redactor.value(await abortable(definition.basis.take(basisCtx, valid), ctx.signal)) : undefined;
  if (basis !== undefined && review?.mode === 'check') checkBasis(step, state, definition, ref, valid, basis);
  await state.emit({ type: 'step-planned', stepId: step.id, item, status: 'planned', input: shownInput, ...(plan === undefined ? {} : { plan }), at: now() });
  const discardWith = held?.discard ? { discardWith: { type: definition.type, settings: redactor.value(state.settings) as Record<string, JsonObject> } } : {};
  recordWrite({ status: 'planned', ...(kept === undefined ? {} : { kept }), ...(held ? { keptOutside: held.text } : {}), ...discardWith, ...(basis === undefined ? {} : { basis }) });
  return { kind: 'unknown', unknown: new Unknown([step.id]), status: 'planned' };
}

function interactiveText(input: JsonObject): string {
  const text = input.message ?? input.instructions ?? '';
  return typeof text === 'string' ? text : JSON.stringify(text);
}

async function runItem(step: StepSpec, state: RunState, definition: StepDefinition, effect: Effect, input: JsonObject, ref: ItemRef | undefined, lines: LiveLines, readAgain: boolean): Promise<ItemOutcome> {
  const item = ref?.index;
  if (effect === 'write' && (await isInPlace(definition, contextFor(step, state, state.options.signal, ref, lines), input))) {
    const outputs = selectOutputs(step, null, state);
    lines.release();
    await state.emit({ type: 'step-succeeded', stepId: step.id, item, itemKey: ref?.key, outputs: toJson(outputs), durationMs: 0, via: 'check', at: now() });
    return { kind: 'done', outputs, status: 'satisfied' };
  }
  const attempted = await attemptUntilDone(step, state, definition, effect, input, ref, lines);
  if (attempted.kind === 'failed') return attempted;
  const planned = findUnknown(attempted.result);
  if (planned) return { kind: 'unknown', unknown: planned, status: 'planned' };
  // Outside the attempts: a selector that cannot read the result would fail every attempt alike.
  const outputs = selectOutputs(step, attempted.result, state, lines);
  lines.release();
  await state.emit({ type: 'step-succeeded', stepId: step.id, item, itemKey: ref?.key, outputs: toJson(outputs), durationMs: Date.now() - attempted.started, ...(readAgain ? { via: 'read-again' as const } : {}), at: now() });
  return { kind: 'done', outputs, status: 'succeeded' };
}

/** Only a change that may have been made, and that nobody can check, needs the operator's word. */
function isRerunSafe(definition: StepDefinition, effect: Effect): boolean {
  return effect !== 'write' || definition.check !== undefined || definition.idempotent === true;
}

/** Honours the signal even when `check()` does not, so Ctrl-C is never stuck behind it. */
async function isInPlace(definition: StepDefinition, ctx: StepContext, input: JsonObject): Promise<boolean> {
  if (!definition.check) return false;
  return abortable(definition.check(ctx, input), ctx.signal);
}

type Attempted = { kind: 'ran'; result: JsonValue; started: number } | Extract<ItemOutcome, { kind: 'failed' }>;

async function attemptUntilDone(step: StepSpec, state: RunState, definition: StepDefinition, effect: Effect, input: JsonObject, ref: ItemRef | undefined, lines: LiveLines): Promise<Attempted> {
  const item = ref?.index;
  const timeout = resolveTimeout(step, state);
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    await state.emit({ type: 'step-started', stepId: step.id, title: step.name ?? step.id, item, itemKey: ref?.key, attempt, effect, rerunSafe: isRerunSafe(definition, effect), ...(definition.lastsForTheRun ? { lastsForTheRun: true as const } : {}), at: now() });
    try {
      const result = await attemptOnce(step, state, definition, input, ref, timeout, lines);
      refuseUntilNotMet(step, result, attempt, state, lines);
      return { kind: 'ran', result, started };
    } catch (error) {
      if (error instanceof StateWriteError) throw error;
      const failure = state.options.signal.aborted ? { ...asFailure(interruptedFailure()), retryable: false } : { ...asFailure(error), retryable: isRetryable(error) };
      const willRetry = shouldRetry(step.retry, attempt, failure);
      const retryInMs = willRetry ? retryDelay(step.retry!, attempt) : undefined;
      const { retryable: _retryable, ...info } = failure;
      lines.release();
      await state.emit({ type: 'step-failed', stepId: step.id, item, itemKey: ref?.key, error: info, willRetry, retryInMs, durationMs: Date.now() - started, at: now() });
      if (!willRetry) return { kind: 'failed', error: info };
      try {
        await delay(retryInMs!, state.options.signal);
      } catch {
        return { kind: 'failed', error: asFailure(interruptedFailure()) };
      }
    }
  }
}

/**
 * `retry.until` polls: a result it does not accept fails the attempt like an error would, and
 * the last attempt's failure says what was waited for.
 */
function refuseUntilNotMet(step: StepSpec, result: JsonValue, attempt: number, state: RunState, lines: LiveLines): void {
  const until = step.retry?.until;
  if (until === undefined || findUnknown(result)) return;
  let accepted: boolean;
  try {
    accepted = isTruthy(select(until, result));
  } catch (error) {
    if (!(error instanceof EvaluationError)) throw error;
    throw new StepFailure(`retry.until: ${error.message}`, { code: 'expression', retryable: false });
  }
  if (accepted) return;
  const attempts = `${attempt} of ${step.retry!.maxAttempts} attempt${step.retry!.maxAttempts === 1 ? '' : 's'}`;
  const outputs = step.outputs === undefined ? undefined : JSON.stringify(toJson(selectOutputs(step, result, state, lines)));
  throw new StepFailure(`the result is not yet what retry.until asks for (${until}) after ${attempts}`, {
    code: UNTIL_NOT_MET,
    retryable: true,
    ...(outputs === undefined ? {} : { details: `outputs of this attempt: ${outputs}` }),
  });
}

/** A step's timeout may come from a parameter; what it gives must be a duration. */
function resolveTimeout(step: StepSpec, state: RunState): string | undefined {
  if (step.timeout === undefined) return undefined;
  const value = resolveValue(step.timeout, state.scope());
  if (typeof value !== 'string' || parseDuration(value) === undefined) {
    throw new StepFailure(`timeout: ${JSON.stringify(value)} is not a duration such as 30s, 10m or 1h30m`, { code: 'invalid-input', retryable: false });
  }
  return value;
}

async function attemptOnce(step: StepSpec, state: RunState, definition: StepDefinition, input: JsonObject, ref: ItemRef | undefined, timeout: string | undefined, lines: LiveLines): Promise<JsonValue> {
  const attempt = new AbortController();
  const signal = AbortSignal.any([state.options.signal, attempt.signal]);
  const timeoutMs = timeout === undefined ? undefined : parseDuration(timeout)!;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => attempt.abort(timeoutFailure(timeoutMs, timeout!)), timeoutMs);
  try {
    const ctx = contextFor(step, state, signal, ref, lines);
    const work = definition.run(ctx, structuredClone(input));
    try {
      return await abortable(work, signal);
    } catch (error) {
      if (signal.aborted) await letStop(state, attempt.signal, work);
      throw error;
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A stopped step's processes must be gone before it can run again: a timed-out attempt is waited
 * for (up to the grace) before a retry; a run stopped by Ctrl-C is recorded at once, and the run
 * waits for them before it ends, releases its lock and prints how to resume.
 */
async function letStop(state: RunState, attemptSignal: AbortSignal, work: Promise<unknown>): Promise<void> {
  const stopped = settledWithin(work, STOP_GRACE_MS);
  if (attemptSignal.aborted) await stopped;
  else state.stopping.push(stopped);
}

function contextFor(step: StepSpec, state: RunState, signal: AbortSignal, ref: ItemRef | undefined, lines: LiveLines): StepContext {
  const { options } = state;
  const item = ref?.index;
  return {
    runId: options.runId,
    stepId: step.id,
    dryRun: options.dryRun,
    keepPlan: options.dryRun && options.review?.mode === 'keep',
    reviewed: options.review?.mode === 'apply' || options.review?.mode === 'check' ? options.review.recorded?.(step.id, ref?.key)?.kept : undefined,
    signal,
    runbookDir: state.runbookDir,
    settings: (name) => state.settings[name] ?? {},
    progress: (message) => lines.progress(message),
    log: (message) => lines.log(message),
    note: (message) => lines.note(message),
    confirm: (message) => confirm(state, message, signal),
    approve: (request) => awaitApproval(state, { stepId: step.id, ...(ref ? { item: ref.index, itemKey: ref.key } : {}) }, request, signal),
    onRunEnd: (cleanup) => void state.cleanups.push(cleanup),
    runbook: async (file, params) => (await runChildRunbook(state, step.id, labelOf(step, item), file, params, signal)) as JsonValue,
  };
}

async function confirm(state: RunState, message: string, signal: AbortSignal): Promise<boolean> {
  const { options } = state;
  if (options.assumeYes) return true;
  if (!options.interactive) {
    throw new StepFailure(`approval needed, but there is no terminal to ask on: "${options.redactor.text(message)}" — run again with --yes to approve`, { code: 'declined', retryable: false });
  }
  return options.reporter.confirm(options.redactor.text(message), signal);
}

function validateInput(definition: StepDefinition, input: JsonObject): JsonObject {
  const withDefaults = structuredClone(input);
  const validate = compileSchema(definition.input, { useDefaults: true });
  if (validate(withDefaults)) return withDefaults;
  const problems = actionableErrors(validate.errors ?? []).map((error) => describeSchemaError(error, (path) => (path.length ? `"with.${path.join('.')}"` : '"with"')).message);
  throw new StepFailure(`invalid input for ${definition.type}: ${problems.join('; ')}`, { code: 'invalid-input', retryable: false });
}

/**
 * Without `outputs:`, a step's outputs are its whole result (a `set` step's values, say).
 * Secret outputs are selected first, so that the redactor knows them even when another
 * selector fails and the step's held lines are shown with its failure. A secret too short to
 * be masked fails the step, and its lines are not shown at all.
 */
function selectOutputs(step: StepSpec, result: JsonValue, state: RunState, lines?: LiveLines): Resolved {
  if (step.outputs === undefined) return result;
  const specs = Object.entries(step.outputs);
  const selected = new Map<string, JsonValue>();
  for (const [name, spec] of [...specs.filter(([, spec]) => isSecret(spec)), ...specs.filter(([, spec]) => !isSecret(spec))]) {
    const value = selectOutput(name, spec, result);
    if (isSecret(spec)) {
      if (hasTooShortSecret(value)) {
        lines?.withhold();
        throw tooShortSecret(name);
      }
      state.options.redactor.add(value);
    }
    selected.set(name, value);
  }
  return Object.fromEntries(specs.map(([name]) => [name, selected.get(name) ?? null]));
}

function selectOutput(name: string, spec: OutputSpec, result: JsonValue): JsonValue {
  try {
    return select(selectorOf(spec), result);
  } catch (error) {
    if (!(error instanceof EvaluationError)) throw error;
    throw new StepFailure(`outputs.${name}: ${error.message}`, { code: 'expression', retryable: false });
  }
}

function tooShortSecret(name: string): StepFailure {
  return new StepFailure(
    `outputs.${name} is marked secret, but its value has fewer than ${MIN_SECRET_LENGTH} characters: too few to be masked in what stepwise shows and records without garbling other text, so it is refused and not shown; select a longer value (or leave the output out)`,
    { code: 'secret-too-short', retryable: false },
  );
}

function isSecret(spec: OutputSpec): boolean {
  return typeof spec === 'object' && spec.secret === true;
}

function selectorOf(spec: OutputSpec): string {
  return typeof spec === 'string' ? spec : spec.from;
}

function isRetryable(error: unknown): boolean {
  return error instanceof StepFailure ? error.retryable : true;
}

export function asFailure(error: unknown): FailureInfo {
  if (error instanceof StepFailure) return { message: error.message, code: error.code, ...(error.details ? { details: error.details } : {}) };
  if (error instanceof EvaluationError) return { message: error.message, code: 'expression' };
  if (error instanceof Error) return { message: error.message, code: 'error' };
  return { message: String(error), code: 'error' };
}

function describe(value: Resolved): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}
