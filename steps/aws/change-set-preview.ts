import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Change, DescribeChangeSetCommandOutput, ResourceChangeDetail, UpdateStackCommandInput } from '@aws-sdk/client-cloudformation';
import type { PropertyChange, ResourceChange } from '../../engine/step-definition.js';
import { describePropertyChange } from '../../engine/report/resource-changes.js';
import { StepFailure } from '../../engine/step-failure.js';
import type { AwsClientHandle } from './client.js';

type CloudFormation = AwsClientHandle<'cloudformation'>;

/**
 * What CloudFormation would do with an update: its resource changes, in the change set it
 * kept when asked to, or nothing at all.
 */
export type ChangeSetPreview = { kind: 'changes'; changes: ResourceChange[]; changeSetId: string } | { kind: 'no-changes'; reason: string };

const POLL_MS = 1_000;

/**
 * How a plan names the change set it keeps for `apply` (the ones it deletes are `stepwise-plan-`):
 * in the console, a kept change set says who will execute it.
 */
const KEPT_CHANGE_SET_PREFIX = 'stepwise-apply-';

/**
 * Asks CloudFormation what `request` would do, as a change set of type UPDATE with the same
 * template, parameters and capabilities. The change set is deleted whatever happens, so that a
 * plan leaves nothing behind, but with `keep` (`plan --out`): once described, it stays for
 * `apply` to execute. A change set that changes nothing, fails or is cancelled is never kept.
 */
export async function previewChangeSet(
  cloudformation: CloudFormation,
  request: UpdateStackCommandInput,
  signal: AbortSignal,
  options: { keep?: boolean } = {},
): Promise<ChangeSetPreview> {
  const { sdk, client, callOptions } = cloudformation;
  const created = await client.send(
    new sdk.CreateChangeSetCommand({
      StackName: request.StackName,
      ChangeSetName: `${options.keep ? KEPT_CHANGE_SET_PREFIX : 'stepwise-plan-'}${randomBytes(6).toString('hex')}`,
      ChangeSetType: 'UPDATE',
      Description: options.keep ? 'stepwise plan --out: kept for stepwise apply to execute, as reviewed' : 'stepwise plan: a preview, deleted once described',
      ...(request.TemplateURL ? { TemplateURL: request.TemplateURL } : { UsePreviousTemplate: true }),
      ...(request.Parameters ? { Parameters: request.Parameters } : {}),
      ...(request.Capabilities ? { Capabilities: request.Capabilities } : {}),
    }),
    callOptions,
  );
  const changeSet = created.Id!;
  let kept = false;
  try {
    const first = await describeWhenCreated(cloudformation, changeSet, signal);
    if (first.Status === 'FAILED') {
      const reason = first.StatusReason ?? 'no reason given';
      if (isNoChanges(reason)) return { kind: 'no-changes', reason };
      throw new StepFailure(`CloudFormation could not preview the update of stack ${request.StackName}: change set ${changeSet} FAILED: ${reason}`, { code: 'change-set-failed', retryable: false });
    }
    const changes = [...resourceChanges(first.Changes), ...(await laterPages(cloudformation, changeSet, first.NextToken))];
    kept = options.keep === true;
    return { kind: 'changes', changes, changeSetId: changeSet };
  } finally {
    // not cancelled with the step: a plan stopped by Ctrl-C or its timeout still leaves nothing behind
    if (!kept) await client.send(new sdk.DeleteChangeSetCommand({ ChangeSetName: changeSet }));
  }
}

/** The first page once the change set has left CREATE_PENDING / CREATE_IN_PROGRESS. */
async function describeWhenCreated(cloudformation: CloudFormation, changeSet: string, signal: AbortSignal): Promise<DescribeChangeSetCommandOutput> {
  const { sdk, client, callOptions } = cloudformation;
  for (;;) {
    const page = await client.send(new sdk.DescribeChangeSetCommand({ ChangeSetName: changeSet, IncludePropertyValues: true }), callOptions);
    if (page.Status !== 'CREATE_PENDING' && page.Status !== 'CREATE_IN_PROGRESS') return page;
    await delay(POLL_MS, undefined, { signal });
  }
}

async function laterPages(cloudformation: CloudFormation, changeSet: string, nextToken: string | undefined): Promise<ResourceChange[]> {
  const { sdk, client, callOptions } = cloudformation;
  const changes: ResourceChange[] = [];
  for (let token = nextToken; token; ) {
    const page = await client.send(new sdk.DescribeChangeSetCommand({ ChangeSetName: changeSet, NextToken: token, IncludePropertyValues: true }), callOptions);
    changes.push(...resourceChanges(page.Changes));
    token = page.NextToken;
  }
  return changes;
}

function resourceChanges(changes: Change[] | undefined): ResourceChange[] {
  return (changes ?? []).flatMap(({ ResourceChange: change }) => {
    if (!change?.Action || !change.LogicalResourceId) return [];
    return [
      {
        action: change.Action,
        logicalId: change.LogicalResourceId,
        resourceType: change.ResourceType ?? 'unknown type',
        ...(change.Replacement ? { replacement: change.Replacement } : {}),
        ...propertiesOf(change.Details),
      },
    ];
  });
}

/**
 * The property values CloudFormation gives when asked (IncludePropertyValues; an emulator may
 * give none). It lists a property once per cause (a parameter, a resource it refers to), so a
 * property seen again with the same values is one entry.
 */
function propertiesOf(details: ResourceChangeDetail[] | undefined): { properties?: PropertyChange[] } {
  const properties = new Map<string, PropertyChange>();
  for (const { Target: target } of details ?? []) {
    const name = propertyName(target?.Path, target?.Name ?? target?.Attribute);
    if (!name) continue;
    const property: PropertyChange = {
      name,
      ...(target?.BeforeValue === undefined ? {} : { before: target.BeforeValue }),
      ...(target?.AfterValue === undefined ? {} : { after: target.AfterValue }),
      ...(target?.RequiresRecreation ? { requiresRecreation: target.RequiresRecreation } : {}),
    };
    properties.set(JSON.stringify(property), property);
  }
  return properties.size === 0 ? {} : { properties: [...properties.values()] };
}

/** `/Properties/LaunchTemplateData/InstanceType` reads `LaunchTemplateData/InstanceType`; without a path, the property's or attribute's name. */
function propertyName(path: string | undefined, name: string | undefined): string | undefined {
  const inside = path?.replace(/^\/Properties\//, '').replace(/^\//, '');
  return inside || name || undefined;
}

/** CloudFormation fails a change set that would change nothing, rather than creating an empty one. */
function isNoChanges(reason: string): boolean {
  return /didn't contain changes|No updates are to be performed|no changes/i.test(reason);
}

/**
 * One line per change, for the plan's text: `Modify TxAutoScalingGroup (AWS::AutoScaling::AutoScalingGroup), replacement: True`,
 * and under it one line per property it sets: `  LaunchTemplateData/InstanceType: t2.small → i3.large`.
 */
export function describeChanges(changes: readonly ResourceChange[]): string {
  if (changes.length === 0) return 'the change set lists no resource change';
  return changes
    .flatMap((change) => [
      `${change.action} ${change.logicalId} (${change.resourceType})${change.replacement ? `, replacement: ${change.replacement}` : ''}`,
      ...(change.properties ?? []).map((property) => `  ${describePropertyChange(property)}`),
    ])
    .join('\n');
}
