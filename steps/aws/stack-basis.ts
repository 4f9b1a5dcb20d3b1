import { createHash } from 'node:crypto';
import { isJsonObject, type JsonValue } from '../../engine/json.js';
import type { AwsClientHandle } from './client.js';
import { describeChangeSet } from './reviewed-update.js';
import { describeStack } from './stack-waiter.js';

type CloudFormation = AwsClientHandle<'cloudformation'>;

/**
 * What an update of a stack is planned against: if any of it changes before `apply`, the plan
 * no longer says what the update would do. The template is kept as its SHA-256, so that a
 * plan file stays small; the latest event shows an update even where LastUpdatedTime is empty.
 */
export interface StackBasis {
  stackId: string;
  status: string;
  parameters: Record<string, string>;
  templateSha256: string;
  latestEvent: { id: string; status: string; resource: string; timestamp: string } | null;
  /** The change set the plan kept for apply to execute, as CloudFormation has it; `GONE` once it no longer does. */
  changeSet?: { id: string; status: string; executionStatus: string };
}

const GONE = 'GONE';

/** Reads only: DescribeStacks, GetTemplate and DescribeStackEvents, and DescribeChangeSet for the change set the plan kept. */
export async function takeStackBasis(cloudformation: CloudFormation, stackName: string, keptChangeSetId?: string): Promise<StackBasis> {
  const { sdk, client, callOptions } = cloudformation;
  const stack = await describeStack(cloudformation, stackName);
  const stackId = stack.StackId!;
  const { TemplateBody } = await client.send(new sdk.GetTemplateCommand({ StackName: stackId }), callOptions);
  const { StackEvents } = await client.send(new sdk.DescribeStackEventsCommand({ StackName: stackId }), callOptions);
  const latest = StackEvents?.[0];
  return {
    stackId,
    status: stack.StackStatus ?? 'UNKNOWN',
    parameters: Object.fromEntries((stack.Parameters ?? []).map((parameter) => [parameter.ParameterKey!, parameter.ParameterValue ?? ''])),
    templateSha256: createHash('sha256').update(TemplateBody ?? '').digest('hex'),
    latestEvent: latest
      ? { id: latest.EventId ?? '', status: latest.ResourceStatus ?? 'UNKNOWN', resource: latest.LogicalResourceId ?? '?', timestamp: latest.Timestamp?.toISOString() ?? '?' }
      : null,
    ...(keptChangeSetId === undefined ? {} : { changeSet: await changeSetState(cloudformation, keptChangeSetId) }),
  };
}

async function changeSetState(cloudformation: CloudFormation, changeSetId: string): Promise<NonNullable<StackBasis['changeSet']>> {
  const changeSet = await describeChangeSet(cloudformation, changeSetId);
  if (!changeSet) return { id: changeSetId, status: GONE, executionStatus: GONE };
  return { id: changeSetId, status: changeSet.Status ?? 'UNKNOWN', executionStatus: changeSet.ExecutionStatus ?? 'UNKNOWN' };
}

/** One line for each way the stack differs from what the plan was made against. */
export function stackBasisDifferences(stackName: string, recorded: JsonValue, now: JsonValue): string[] {
  const was = readStackBasis(recorded);
  const is = readStackBasis(now);
  if (!was || !is) return [`stack ${stackName}: the plan's record of it is not one this version of stepwise reads`];
  if (is.stackId !== was.stackId) return [`stack ${stackName} is another stack now (${is.stackId}, was ${was.stackId}): it was deleted and created again`];
  const lines: string[] = [];
  if (is.status !== was.status) lines.push(`stack ${stackName}: status ${is.status}, was ${was.status}`);
  for (const key of new Set([...Object.keys(was.parameters), ...Object.keys(is.parameters)])) {
    const before = was.parameters[key];
    const after = is.parameters[key];
    if (before === after) continue;
    if (after === undefined) lines.push(`stack ${stackName}: parameter ${key} is gone, was ${before}`);
    else lines.push(`stack ${stackName}: parameter ${key}: ${after}, was ${before ?? 'not there'}`);
  }
  if (is.templateSha256 !== was.templateSha256) lines.push(`stack ${stackName}: the template changed`);
  if (is.latestEvent?.id !== was.latestEvent?.id && is.latestEvent) {
    const { resource, status, timestamp } = is.latestEvent;
    lines.push(`stack ${stackName}: new events since the plan, the latest ${resource} ${status} at ${timestamp}`);
  }
  lines.push(...changeSetDifferences(stackName, was.changeSet, is.changeSet));
  return lines;
}

/** The kept change set, deleted, executed or made obsolete since the plan, can no longer be what apply executes. */
function changeSetDifferences(stackName: string, was: StackBasis['changeSet'], is: StackBasis['changeSet']): string[] {
  if (!was || !is || (was.status === is.status && was.executionStatus === is.executionStatus)) return [];
  const which = `stack ${stackName}: the reviewed change set ${is.id}`;
  if (is.status === GONE) return [`${which} is gone: CloudFormation no longer has it (deleted, or dropped when the stack was updated otherwise)`];
  return [`${which} is now ${is.status}, execution status ${is.executionStatus}; it was ${was.status}, ${was.executionStatus}`];
}

function readStackBasis(value: JsonValue): StackBasis | undefined {
  if (!isJsonObject(value)) return undefined;
  const { stackId, status, parameters, templateSha256, latestEvent, changeSet } = value;
  if (changeSet !== undefined && !(isJsonObject(changeSet) && ['id', 'status', 'executionStatus'].every((key) => typeof changeSet[key] === 'string'))) return undefined;
  if (typeof stackId !== 'string' || typeof status !== 'string' || typeof templateSha256 !== 'string') return undefined;
  if (!isJsonObject(parameters) || !Object.values(parameters).every((parameter) => typeof parameter === 'string')) return undefined;
  if (latestEvent !== null && !(isJsonObject(latestEvent) && ['id', 'status', 'resource', 'timestamp'].every((key) => typeof latestEvent[key] === 'string'))) return undefined;
  return value as unknown as StackBasis;
}
