import { describeApprovers } from '../approval/approvers.js';
import type { WaitingApproval } from '../state/summarize-run.js';

/**
 * Where the approval a run waits at stands, and what to do next, as `show` says it: the first
 * line says where it stands, each further line is one thing to do. Once the decisions are in,
 * a run that still waits goes on by itself; one that stopped waiting needs a resume.
 */
export function describeWaiting(waiting: WaitingApproval): string[] {
  const at = `step "${waiting.stepId}"${waiting.item === undefined ? '' : ` (item ${waiting.item})`}`;
  const goOn = waiting.resume === undefined ? [] : [`to go on: ${waiting.resume}`];
  if (waiting.rejected) {
    const reason = waiting.rejected.reason === undefined ? '' : `: ${waiting.rejected.reason}`;
    return [`rejected at ${at} by ${waiting.rejected.by}${reason}; a rejection stands: the run stops there (exit 3), start a new run to ask again`];
  }
  if (waiting.needed === 0) {
    return [`approved at ${at} by ${waiting.approvedBy.join(', ')}; ${waiting.stopped ? 'the run stopped waiting: a resume goes on' : 'the run goes on'}`, ...goOn];
  }
  const count = waiting.needed === waiting.minApprovals ? `${waiting.minApprovals} approval${waiting.minApprovals === 1 ? '' : 's'}` : `${waiting.needed} more approval${waiting.needed === 1 ? '' : 's'} (of ${waiting.minApprovals}, approved by ${waiting.approvedBy.join(', ')})`;
  const state = waiting.stopped ? 'stopped waiting' : 'waiting';
  return [`${state} at ${at} for ${count} by ${describeApprovers(waiting.approvers)}: ${waiting.message}`, `to approve: ${waiting.command}`, ...(waiting.resume === undefined ? [] : [`once approved, to go on: ${waiting.resume}`])];
}
