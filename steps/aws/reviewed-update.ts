import { isJsonObject, type JsonObject } from '../../engine/json.js';
import { StepFailure } from '../../engine/step-failure.js';
import { AwsFailure } from '../../aws/explain-error.js';
import type { AwsClientHandle } from './client.js';

type CloudFormation = AwsClientHandle<'cloudformation'>;

/**
 * What `plan --out` keeps of a stack update for `apply` to carry out exactly (`Plan.kept`):
 * - `change-set`: the change set the plan showed; apply executes it, never a fresh UpdateStack.
 * - `no-changes`: CloudFormation said the update changes nothing; apply sends nothing.
 * - `update-stack`: with `--no-change-sets` there is no change set; the plan showed the request,
 *   and apply sends that request only if the update would still send exactly it.
 * - `under-way`: an update was already in progress; apply waits for it and sends nothing.
 */
export type ReviewedUpdate =
  | { kind: 'change-set'; stackId: string; changeSetId: string }
  | { kind: 'no-changes'; stackId: string }
  | { kind: 'update-stack'; stackId: string; request: JsonObject }
  | { kind: 'under-way'; stackId: string };

const KINDS: readonly string[] = ['change-set', 'no-changes', 'update-stack', 'under-way'];

/** The reviewed update `apply` gives back, checked: it comes from a plan file on disk. */
export function readReviewedUpdate(stackName: string, reviewed: JsonObject): ReviewedUpdate {
  const { kind, stackId, changeSetId, request } = reviewed;
  const valid =
    typeof kind === 'string' &&
    KINDS.includes(kind) &&
    typeof stackId === 'string' &&
    (kind !== 'change-set' || typeof changeSetId === 'string') &&
    (kind !== 'update-stack' || isJsonObject(request));
  if (!valid) {
    throw new StepFailure(
      `the reviewed plan's record of the update of stack ${stackName} is not one this version of stepwise reads (${JSON.stringify(reviewed)}): it needs kind (${KINDS.join(', ')}) and stackId, and changeSetId for a change-set, request for an update-stack; make a new plan with stepwise plan --out`,
      { code: 'invalid-input', retryable: false },
    );
  }
  return reviewed as unknown as ReviewedUpdate;
}

/** A reviewed plan that can no longer be carried out as reviewed. */
export function planNoLongerHolds(message: string): StepFailure {
  return new StepFailure(`${message}. Make a new plan (stepwise plan --out), review it, and apply that: apply never sends another update than the one reviewed`, {
    code: 'reviewed-plan-unusable',
    retryable: false,
  });
}

/** What the change set is now: its status, or undefined when CloudFormation no longer has it. */
export async function describeChangeSet(cloudformation: CloudFormation, changeSetId: string) {
  const { sdk, client, callOptions } = cloudformation;
  try {
    return await client.send(new sdk.DescribeChangeSetCommand({ ChangeSetName: changeSetId }), callOptions);
  } catch (error) {
    // CloudFormation answers ChangeSetNotFound; moto a ValidationError
    if (error instanceof AwsFailure && /^(ChangeSetNotFound(Exception)?|ValidationError)$/.test(error.awsCode)) return undefined;
    throw error;
  }
}

/**
 * Whether the reviewed change set still has to be executed: true when it is AVAILABLE, false when
 * it was executed already (by the apply that this run resumes: the change is made, not made
 * twice). Fails when it is gone, failed, obsolete, or belongs to another stack.
 */
export async function mustExecute(cloudformation: CloudFormation, stackName: string, reviewed: { stackId: string; changeSetId: string }): Promise<boolean> {
  const changeSet = await describeChangeSet(cloudformation, reviewed.changeSetId);
  const which = `the reviewed change set ${reviewed.changeSetId} of stack ${stackName}`;
  if (!changeSet) throw planNoLongerHolds(`${which} is gone: CloudFormation no longer has it (deleted, or dropped when the stack was updated otherwise)`);
  if (changeSet.StackId !== reviewed.stackId) throw planNoLongerHolds(`${which} belongs to stack ${changeSet.StackId}, not to ${reviewed.stackId}, the one planned`);
  if (changeSet.ExecutionStatus === 'EXECUTE_COMPLETE') return false;
  if (changeSet.Status !== 'CREATE_COMPLETE' || changeSet.ExecutionStatus !== 'AVAILABLE') {
    const reason = changeSet.StatusReason ? ` (${changeSet.StatusReason})` : '';
    throw planNoLongerHolds(`${which} cannot be executed: its status is ${changeSet.Status ?? 'unknown'}${reason}, its execution status ${changeSet.ExecutionStatus ?? 'unknown'}, not AVAILABLE`);
  }
  return true;
}
