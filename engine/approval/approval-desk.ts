import type { Decision } from './decision.js';
import type { Identity } from './who-is-running.js';

/**
 * What a real run lends its approvals: who runs it, and the decisions its state keeps, which
 * `stepwise approve` adds to from any process that reaches the state.
 */
export interface ApprovalDesk {
  /**
   * Who runs the run, as approvers are named, and a warning when credentials did not tell: the
   * first time only. The identity is found once for the run, so the warning is said once, under
   * its first approval, not again under each item of a forEach step or each later approve step.
   */
  operator(): Promise<Identity>;
  /** Every decision recorded for the run, oldest first. */
  decisions(): Promise<Decision[]>;
  /** False when this person already decided there. */
  record(decision: Decision): Promise<boolean>;
  /** How many times the approval at this step (and item) was given before, as the journal says: 0 on a new run. */
  round(stepId: string, itemKey: string | undefined): number;
  /** The exact command that approves the run at this step, for whoever may. */
  command(stepId: string): string;
  /** `--no-wait`: a run that must wait for others stops at once instead (exit 3). */
  noWait: boolean;
  /** How often a waiting run looks for new decisions. */
  pollMs: number;
}
