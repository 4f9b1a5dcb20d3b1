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

/** `approved by alice` or `rejected by bob: not during the freeze` */
export function decidedLine(event: Decided): string {
  return `${event.decision === 'approve' ? 'approved' : 'rejected'} by ${event.by}${event.reason ? `: ${event.reason}` : ''}`;
}
