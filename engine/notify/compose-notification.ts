import { describeApprovers, notTheOperator } from '../approval/approvers.js';
import { formatDuration } from '../duration.js';
import type { RunEvent, RunStatus } from '../execute/events.js';
import type { RunFailure } from '../execute/run-result.js';
import type { Redactor } from '../secrets.js';
import type { Notification, NotifyEvent } from './notify-channel.js';

/** What every announcement of a run says about it. */
export interface RunFacts {
  runbook: string;
  version: string;
  runId: string;
  /** Who runs it: user@host. */
  by: string;
}

export type WaitingEvent = Extract<RunEvent, { type: 'approval-waiting' }>;

/** How a run ended, as `run` and `resume` know it once it is over. */
export interface RunEnding {
  status: RunStatus;
  durationMs: number;
  failure?: RunFailure;
  /** The exact `stepwise resume` line, for a run that did not succeed. */
  resume?: string;
}

/** A run waits at an approval: who may approve, and the command that does. */
export function waitingNotification(facts: RunFacts, waiting: WaitingEvent, redactor: Redactor): Notification {
  const step = waiting.item === undefined ? waiting.stepId : `${waiting.stepId} (item ${waiting.item})`;
  const who = `${describeApprovers(waiting.approvers)}${notTheOperator(waiting)}`;
  const count = waiting.minApprovals === 1 ? '1 approval' : `${waiting.minApprovals} approvals`;
  const lines = [
    `${title(facts)} waits for approval at step "${step}".`,
    waiting.message,
    `Who may approve: ${who} (${count} needed).`,
    `To approve: ${waiting.command}`,
    `Started by ${facts.by}.`,
  ];
  return finish(redactor, 'waiting', `${subjectOf(facts)} waits for approval`, lines, {
    ...factFields(facts),
    status: 'waiting',
    step: waiting.stepId,
    ...(waiting.item === undefined ? {} : { item: waiting.item }),
    message: waiting.message,
    approvers: waiting.approvers,
    minApprovals: waiting.minApprovals,
    ...(waiting.allowSelfApproval === undefined ? {} : { allowSelfApproval: waiting.allowSelfApproval }),
    approve: waiting.command,
  });
}

/**
 * The event a run's end is: `failed` for a run that stopped short (a failure, a declined
 * approval, an interruption). Any other end (a plan; a run that stops to wait for approvals,
 * which its waiting notification announced) announces nothing.
 */
export function endingEvent(status: RunStatus): NotifyEvent | undefined {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'failed' || status === 'declined' || status === 'interrupted') return 'failed';
  return undefined;
}

/** A run is over: succeeded, or stopped with the step at fault, its error and how to resume. */
export function endingNotification(facts: RunFacts, ending: RunEnding, event: NotifyEvent, redactor: Redactor): Notification {
  const { failure } = ending;
  const words = STATUS_WORDS[ending.status] ?? `ended (${ending.status})`;
  const lines = [`${title(facts)} ${words} after ${formatDuration(ending.durationMs)}.`];
  if (failure) lines.push(`${where(failure.stepId)}: ${failure.message}`);
  if (failure?.details) lines.push(failure.details.split('\n').slice(-5).join('\n'));
  if (ending.resume && event === 'failed') lines.push(`To resume: ${ending.resume}`);
  lines.push(`Started by ${facts.by}.`);
  return finish(redactor, event, `${subjectOf(facts)} ${words}`, lines, {
    ...factFields(facts),
    status: ending.status,
    durationMs: ending.durationMs,
    ...(failure ? { step: failure.stepId, error: { message: failure.message, code: failure.code, ...(failure.details ? { details: failure.details } : {}) } } : {}),
    ...(ending.resume && event === 'failed' ? { resume: ending.resume } : {}),
  });
}

const STATUS_WORDS: Partial<Record<RunStatus, string>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  declined: 'stopped: an approval was declined',
  interrupted: 'was interrupted',
};

function title(facts: RunFacts): string {
  return `Runbook ${facts.runbook} ${facts.version}, run ${facts.runId},`;
}

function subjectOf(facts: RunFacts): string {
  return `stepwise: ${facts.runbook} ${facts.version} (run ${facts.runId})`;
}

/** Step ids hold no dot: `outputs.<name>` is the runbook's own output. */
function where(stepId: string): string {
  return stepId.startsWith('outputs.') ? `Runbook output "${stepId.slice('outputs.'.length)}"` : `Step "${stepId}"`;
}

function factFields(facts: RunFacts) {
  return { runbook: facts.runbook, version: facts.version, runId: facts.runId, by: facts.by };
}

/** Everything redacted once more, whatever was redacted before: nothing may leave with a secret. */
function finish(redactor: Redactor, event: NotifyEvent, subject: string, lines: string[], fields: Notification['fields']): Notification {
  return { event, subject: redactor.text(subject), text: redactor.text(lines.filter((line) => line !== '').join('\n')), fields: redactor.value(fields) };
}
