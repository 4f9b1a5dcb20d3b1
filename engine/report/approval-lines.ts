import { describeApprovers, notTheOperator } from '../approval/approvers.js';
import type { RunEvent } from '../execute/events.js';

type Waiting = Extract<RunEvent, { type: 'approval-waiting' }>;
type Decided = Extract<RunEvent, { type: 'approval-decided' }>;

/** `waiting for 2 approvals by alice, bob (not the operator), at most 24h: Update prod?` */
export function waitingLine(event: Waiting): string {
  const count = `${event.minApprovals} approval${event.minApprovals === 1 ? '' : 's'}`;
  const within = event.timeout ? `, at most ${event.timeout}` : '';
  return `waiting for ${count} by ${describeApprovers(event.approvers)}${notTheOperator(event)}${within}: ${event.message}`;
}

/** `approved by alice: CHG-42`; a rejection is the step's failure, which says who and why. */
export function approvedLine(event: Decided): string {
  return `approved by ${event.by}${event.reason ? `: ${event.reason}` : ''}`;
}
