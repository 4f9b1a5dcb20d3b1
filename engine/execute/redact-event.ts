import type { Redactor } from '../secrets.js';
import type { FailureInfo, RunEvent } from './events.js';
import type { RunResult, StepResult } from './run-result.js';

/**
 * The fields the engine itself writes, which replay reads back: never masked, so that a secret
 * that happens to equal `step` or a step id cannot make the journal unreadable.
 */
const ENGINE_FIELDS: ReadonlySet<string> = new Set([
  'type',
  'runId',
  'runbook',
  'version',
  'dryRun',
  'stepId',
  'item',
  'attempt',
  'effect',
  'rerunSafe',
  'lastsForTheRun',
  'willRetry',
  'retryInMs',
  'durationMs',
  'via',
  'at',
  'status',
  'dependsOn',
  'decision',
  'minApprovals',
  'decidedAt',
]);

/** An event as reporters and the journal may see it: every value from a step or a runbook redacted. */
export function redactEvent(redactor: Redactor, event: RunEvent): RunEvent {
  // each event is made for its emit: with no secret to mask, a copy of it would be the same
  if (redactor.size === 0) return event;
  const redacted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (ENGINE_FIELDS.has(key)) redacted[key] = value;
    else if (key === 'error') redacted[key] = redactFailure(redactor, value as FailureInfo);
    else redacted[key] = redactor.value(value);
  }
  return redacted as RunEvent;
}

/** A run's result as it is printed: what steps and the runbook produced redacted, what the engine decided kept. */
export function redactResult(redactor: Redactor, result: RunResult): RunResult {
  const { outputs, steps, failure } = result;
  return { ...result, outputs: redactor.value(outputs), steps: steps.map((step) => redactStep(redactor, step)), failure: failure && redactFailure(redactor, failure) };
}

function redactStep(redactor: Redactor, step: StepResult): StepResult {
  const { outputs, error, title } = step;
  return { ...step, title: redactor.text(title), outputs: redactor.value(outputs), ...(error === undefined ? {} : { error: redactFailure(redactor, error) }) };
}

/** The message and details redacted; the code is the engine's or the step's own word. */
function redactFailure<T extends FailureInfo>(redactor: Redactor, failure: T): T {
  const { message, details } = failure;
  return { ...failure, message: redactor.text(message), ...(details === undefined ? {} : { details: redactor.text(details) }) };
}
