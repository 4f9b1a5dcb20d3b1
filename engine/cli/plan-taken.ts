import os from 'node:os';
import { StalePlanError } from '../exit-codes.js';
import type { ReadPlan } from '../plans/plan-file.js';
import { planClaimName, type PlanClaim } from '../state/plan-claim.js';
import type { RunOverview } from '../state/state-backend.js';
import { listRun } from '../state/summarize-run.js';
import type { OpenedState } from './open-state.js';
import { commandLine, resumeCommandLine } from './resume-command-line.js';

/**
 * A plan is carried out once: what it was made against is what its first apply changed. A run
 * that applied it and stopped is resumed, not applied again; a discarded plan has nothing left to apply.
 * Asked before the check, so that a plan taken already is refused at once; taken for good after it.
 */
export async function refuseIfTaken(read: ReadPlan, state: OpenedState): Promise<void> {
  const claim = await state.backend.planClaim(read.sha256);
  if (claim) throw await takenAlready(read, claim, state);
}

/**
 * Takes the plan for this run, with a write that only creates: of two applies of one plan at the
 * same moment, one runs, and the other is refused as if the first had finished.
 */
export async function claimForRun(read: ReadPlan, runId: string, state: OpenedState): Promise<void> {
  const claim = await state.backend.claimPlan({ plan: read.sha256, by: 'apply', runId, at: new Date().toISOString(), user: os.userInfo().username });
  if (claim) throw await takenAlready(read, claim, state);
}

async function takenAlready({ file }: ReadPlan, claim: PlanClaim, state: OpenedState): Promise<StalePlanError> {
  const newPlan = `for another change, make a new plan with \`stepwise plan ... --out ${file}\` and review it`;
  if (claim.by === 'discard') return new StalePlanError(`stale plan: ${file} was discarded (at ${claim.at} by ${claim.user}); nothing was written:`, [newPlan]);
  return new StalePlanError(`stale plan: ${file} was applied already, by run ${claim.runId} (started ${claim.at} by ${claim.user}); nothing was written:`, [await howThatRunEnded(claim, state), newPlan]);
}

/** A run that carried the plan out is done with it; one that stopped is resumed, not applied again. */
export async function howThatRunEnded(claim: PlanClaim & { by: 'apply' }, state: OpenedState): Promise<string> {
  const { runId } = claim;
  const overview = await recordedRun(runId, state);
  if (!overview) {
    const runs = commandLine(['stepwise', 'runs', ...state.arguments]);
    return `that run is starting now, or stopped before it recorded itself: if \`${runs}\` never lists it, delete ${planClaimName(claim.plan)} from the state to free the plan`;
  }
  const { status } = listRun(overview);
  switch (status) {
    case 'succeeded':
      return 'that run succeeded: what the plan reviewed is done';
    case 'running':
      return `that run is going on now: follow it with \`${commandLine(['stepwise', 'show', runId, ...state.arguments])}\``;
    case 'waiting':
      return `that run waits for an approval: see \`${commandLine(['stepwise', 'show', runId, ...state.arguments])}\`, then go on with it once approved: ${resumeCommandLine(runId, state.arguments)}`;
    default:
      return `that run ${status === 'stopped' ? 'stopped before its end' : `ended ${status}`}: go on with it: ${resumeCommandLine(runId, state.arguments)}`;
  }
}

/**
 * The run, or undefined while it cannot be read whole: the apply that took the plan records its
 * run just after (a reader between the two finds a run folder without its run.json), or died
 * before it could. Told so, with how to tell the two apart, rather than as a damaged run.
 */
async function recordedRun(runId: string, state: OpenedState): Promise<RunOverview | undefined> {
  return state.backend.overview(runId).catch(() => undefined);
}
