import type { Capability, Parameter, Stack, UpdateStackCommandInput } from '@aws-sdk/client-cloudformation';
import { DURATION_PATTERN, parseDuration } from '../../engine/duration.js';
import type { JsonObject, JsonValue } from '../../engine/json.js';
import { defineStep, type Plan, type StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { isDeepStrictEqual } from 'node:util';
import { previewChangeSet, describeChanges } from './change-set-preview.js';
import { awsClient, changeSetsAllowed, type AwsClientHandle } from './client.js';
import { AwsFailure } from '../../aws/explain-error.js';
import { toPlainJson } from './plain-json.js';
import { describeChangeSet, mustExecute, planNoLongerHolds, readReviewedUpdate, type ReviewedUpdate } from './reviewed-update.js';
import { stackBasisDifferences, takeStackBasis } from './stack-basis.js';
import { isUpdateInProgress } from './stack-status.js';
import { describeStack, newestEventId, waitForStackStatus } from './stack-waiter.js';

export interface UpdateStackInput {
  stackName: string;
  templateUrl?: string;
  usePreviousTemplate?: boolean;
  usePreviousParameters?: boolean;
  parameters?: Record<string, string | number | boolean>;
  capabilities?: Capability[];
  waitFor?: 'UPDATE_COMPLETE';
  pollInterval?: string;
}

export const DEFAULT_POLL_INTERVAL = '10s';
const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];

type CloudFormation = AwsClientHandle<'cloudformation'>;

/** The request, and what it means, worked out from the live stack and the new template. */
interface UpdatePlan {
  request: UpdateStackCommandInput;
  stackId: string;
  region: string;
  kept: string[];
  set: string[];
  /** Parameters of the stack that neither keep their value nor get a new one. */
  dropped: string[];
}

export default defineStep<UpdateStackInput>({
  type: 'aws.cloudformation.update-stack',
  description:
    "Update a stack from a template URL (or its current template), keeping the stack's parameters if asked, and optionally wait until the update is complete. An update already in progress (UPDATE_IN_PROGRESS, rolling back or cleaning up) is taken for this one, the one an interrupted run sent: no second UpdateStack is sent; without `waitFor` the step counts as done (a later wait step waits for that update), with it the step waits for that update. Its plan previews the update with a CloudFormation change set (created, described, then deleted) and lists each resource change: action, logical id, type, replacement, and each property with its value before and after where CloudFormation gives them; `plan --out` keeps that change set (and deletes it when it writes no plan file), and `apply` executes exactly it, never a fresh UpdateStack: a change set deleted, executed or made obsolete since the plan makes `apply` refuse the plan as stale before anything runs (its status is part of the step's basis). `--no-change-sets` plans with reads only. Result: `{ StackId, Updated, Stack, ChangeSetId }`, Updated false when there was nothing to change, ChangeSetId the reviewed change set `apply` executed.",
  effect: 'write',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['stackName'],
    anyOf: [{ required: ['templateUrl'] }, { required: ['usePreviousTemplate'], properties: { usePreviousTemplate: { const: true } } }],
    properties: {
      stackName: { description: 'Name or id (ARN) of the stack to update.', type: 'string', minLength: 1 },
      templateUrl: {
        description: 'S3 URL of the new template, such as `https://s3.amazonaws.com/bucket/template.json`. Give this or `usePreviousTemplate`.',
        type: 'string',
        format: 'uri',
      },
      usePreviousTemplate: {
        description: 'Keep the template the stack runs now (to change parameters only). Give this or `templateUrl`.',
        type: 'boolean',
      },
      usePreviousParameters: {
        description:
          "Keep every parameter of the stack that the new template also declares at its current value (UsePreviousValue, so hidden NoEcho values are kept too). Without it, parameters not given in `parameters` take the new template's defaults.",
        type: 'boolean',
        default: false,
      },
      parameters: {
        description: 'Parameters to set, by name; they win over `usePreviousParameters`. Each must be declared by the new template.',
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z0-9]+$' },
        additionalProperties: { type: ['string', 'number', 'boolean'] },
      },
      capabilities: {
        description: 'Capabilities to acknowledge, as the console\'s checkboxes do, such as `[CAPABILITY_IAM, CAPABILITY_NAMED_IAM]` for a template that creates IAM resources.',
        type: 'array',
        items: { type: 'string', enum: CAPABILITIES },
        uniqueItems: true,
      },
      waitFor: {
        description: 'Wait until the stack is UPDATE_COMPLETE, showing its events; fail with the reasons if it rolls back. Omitted: return once the update has started.',
        type: 'string',
        enum: ['UPDATE_COMPLETE'],
      },
      pollInterval: {
        description: `How often to look at the stack while waiting, such as \`10s\`. Default ${DEFAULT_POLL_INTERVAL}.`,
        type: 'string',
        pattern: DURATION_PATTERN,
        default: DEFAULT_POLL_INTERVAL,
      },
    },
  },

  async check(ctx, input): Promise<boolean> {
    // with waitFor, the step's result is the finished stack: run() waits for the update in progress
    if (input.waitFor) return false;
    const stack = await describeStack(await awsClient(ctx, 'cloudformation'), input.stackName);
    if (!isUpdateInProgress(stack.StackStatus ?? '')) return false;
    ctx.log(alreadyUpdating(input, stack));
    return true;
  },

  async plan(ctx, input): Promise<Plan> {
    // one client for the reads and the preview: the guard allows its change-set calls only when change sets are
    const cloudformation = await awsClient(ctx, 'cloudformation', { previewsWithChangeSets: true });
    const stack = await describeStack(cloudformation, input.stackName);
    const stackId = stack.StackId!;
    const keep = (kept: ReviewedUpdate) => (ctx.keepPlan ? { kept: kept as unknown as JsonObject } : {});
    if (isUpdateInProgress(stack.StackStatus ?? '')) {
      const summary = `${alreadyUpdating(input, stack)}${input.waitFor ? `; would wait for ${input.waitFor}` : ''}`;
      return ctx.keepPlan ? { summary, ...keep({ kind: 'under-way', stackId }) } : summary;
    }
    const plan = await planUpdate(cloudformation, input, stack);
    const request = JSON.stringify(plan.request, null, 2);
    if (!changeSetsAllowed(ctx)) {
      const applied = ctx.keepPlan ? '\nno change set (--no-change-sets): apply sends this UpdateStack request, and refuses if the update would now send another' : '';
      return {
        summary: summarize(input, plan),
        details: `${request}\nno change set asked for (--no-change-sets): CloudFormation's own preview of the resource changes is not shown${applied}`,
        ...keep({ kind: 'update-stack', stackId, request: toPlainJson(plan.request) as JsonObject }),
      };
    }
    const preview = await previewChangeSet(cloudformation, plan.request, ctx.signal, { keep: ctx.keepPlan });
    if (preview.kind === 'no-changes') {
      return { summary: `${summarize(input, plan)}: nothing to change, CloudFormation says (${preview.reason})`, details: request, changes: [], ...keep({ kind: 'no-changes', stackId }) };
    }
    const count = `${preview.changes.length} resource change${preview.changes.length === 1 ? '' : 's'}`;
    const fate = ctx.keepPlan ? `kept for apply to execute: ${preview.changeSetId}` : 'created to preview, then deleted';
    return {
      summary: `${summarize(input, plan)}; CloudFormation's change set: ${count}`,
      details: `${request}\nCloudFormation's change set (${fate}):\n${describeChanges(preview.changes)}`,
      changes: preview.changes,
      ...keep({ kind: 'change-set', stackId, changeSetId: preview.changeSetId }),
    };
  },

  basis: {
    take: async (ctx, input) => takeStackBasis(await awsClient(ctx, 'cloudformation'), input.stackName, keptChangeSetId(input, ctx.reviewed)) as unknown as JsonValue,
    differences: (recorded, now, input) => stackBasisDifferences(input.stackName, recorded, now),
  },

  describeKept(kept, input) {
    const reviewed = readReviewedUpdate(input.stackName, kept);
    return reviewed.kind === 'change-set' ? `change set ${reviewed.changeSetId} of stack ${input.stackName}, in CloudFormation` : undefined;
  },

  async discardKept(ctx, kept, input) {
    const reviewed = readReviewedUpdate(input.stackName, kept);
    if (reviewed.kind !== 'change-set') return;
    const cloudformation = await awsClient(ctx, 'cloudformation', { previewsWithChangeSets: true });
    const changeSet = await describeChangeSet(cloudformation, reviewed.changeSetId);
    // deleted by hand, or dropped by CloudFormation when the stack was updated otherwise
    if (!changeSet || changeSet.Status?.startsWith('DELETE_')) return 'gone';
    await cloudformation.client.send(new cloudformation.sdk.DeleteChangeSetCommand({ ChangeSetName: reviewed.changeSetId }), cloudformation.callOptions);
    return undefined;
  },

  async run(ctx, input): Promise<JsonValue> {
    const pollIntervalMs = pollInterval(input);
    const cloudformation = await awsClient(ctx, 'cloudformation');
    const reviewed = ctx.reviewed && readReviewedUpdate(input.stackName, ctx.reviewed);
    // a reviewed change set's id is part of the result, and so of the journal
    const changeSetId: JsonObject = reviewed?.kind === 'change-set' ? { ChangeSetId: reviewed.changeSetId } : {};
    const current = await describeStack(cloudformation, input.stackName);
    if (isUpdateInProgress(current.StackStatus ?? '')) {
      if (reviewed?.kind === 'change-set') await refuseAnotherUpdate(cloudformation, input.stackName, reviewed);
      ctx.log(alreadyUpdating(input, current));
      const result = await finishUpdate(ctx, cloudformation, input, current.StackId!, pollIntervalMs, await newestEventId(cloudformation, current.StackId!));
      return { ...result, ...changeSetId };
    }
    if (reviewed && reviewed.stackId !== current.StackId) {
      throw planNoLongerHolds(`stack ${input.stackName} is ${current.StackId} now, not ${reviewed.stackId}, the stack the plan was made for`);
    }
    if (reviewed && reviewed.kind !== 'update-stack') return { ...(await carryOutReviewed(ctx, cloudformation, input, current, reviewed, pollIntervalMs)), ...changeSetId };
    const plan = await planUpdate(cloudformation, input, current);
    if (reviewed?.kind === 'update-stack' && !isDeepStrictEqual(toPlainJson(plan.request), reviewed.request)) {
      throw planNoLongerHolds(
        `the update of stack ${input.stackName} would now send ${JSON.stringify(toPlainJson(plan.request))}, not the request reviewed, ${JSON.stringify(reviewed.request)}`,
      );
    }
    ctx.log(summarize(input, plan));
    const afterEventId = await newestEventId(cloudformation, plan.stackId);
    try {
      await cloudformation.client.send(new cloudformation.sdk.UpdateStackCommand(plan.request), cloudformation.callOptions);
    } catch (error) {
      if (!isNoUpdates(error)) throw error;
      ctx.log(`No updates are to be performed: stack ${input.stackName} already runs this template with these parameters.`);
      const stack = await describeStack(cloudformation, plan.stackId);
      return { StackId: plan.stackId, Updated: false, Stack: toPlainJson(stack) };
    }
    return finishUpdate(ctx, cloudformation, input, plan.stackId, pollIntervalMs, afterEventId);
  },
});

/** The change set the plan kept, whose state is part of the basis: apply can execute it only as it was. */
function keptChangeSetId(input: UpdateStackInput, reviewed: JsonObject | undefined): string | undefined {
  const kept = reviewed && readReviewedUpdate(input.stackName, reviewed);
  return kept?.kind === 'change-set' ? kept.changeSetId : undefined;
}

/** What the reviewed plan kept, carried out on a stack with no update under way. */
async function carryOutReviewed(
  ctx: StepContext,
  cloudformation: CloudFormation,
  input: UpdateStackInput,
  current: Stack,
  reviewed: Exclude<ReviewedUpdate, { kind: 'update-stack' }>,
  pollIntervalMs: number,
): Promise<JsonObject> {
  switch (reviewed.kind) {
    case 'under-way':
      throw planNoLongerHolds(`the plan found an update of stack ${input.stackName} under way, to wait for; the stack is ${current.StackStatus} now`);
    case 'no-changes':
      ctx.log(`The reviewed plan found nothing to change in stack ${input.stackName}: nothing is sent.`);
      return { StackId: current.StackId!, Updated: false, Stack: toPlainJson(current) };
    case 'change-set':
      return executeChangeSet(ctx, cloudformation, input, reviewed, pollIntervalMs);
  }
}

/**
 * Executes the change set the plan showed, never a fresh UpdateStack, and waits as an update
 * does. One executed already (by the apply this run resumes) is waited for, not executed again.
 */
async function executeChangeSet(
  ctx: StepContext,
  cloudformation: CloudFormation,
  input: UpdateStackInput,
  reviewed: { stackId: string; changeSetId: string },
  pollIntervalMs: number,
): Promise<JsonObject> {
  if (!(await mustExecute(cloudformation, input.stackName, reviewed))) {
    ctx.log(`The reviewed change set ${reviewed.changeSetId} was executed already: it is not executed again.`);
    return finishUpdate(ctx, cloudformation, input, reviewed.stackId, pollIntervalMs, undefined);
  }
  ctx.log(`Executing the reviewed change set ${reviewed.changeSetId} of stack ${input.stackName}, as the plan showed it.`);
  const afterEventId = await newestEventId(cloudformation, reviewed.stackId);
  await cloudformation.client.send(new cloudformation.sdk.ExecuteChangeSetCommand({ ChangeSetName: reviewed.changeSetId, StackName: reviewed.stackId }), cloudformation.callOptions);
  return finishUpdate(ctx, cloudformation, input, reviewed.stackId, pollIntervalMs, afterEventId);
}

/**
 * An update under way is the reviewed one only while its change set executes or has executed
 * (the apply this run resumes sent it): anyone else's update is not waited for as if it were.
 */
async function refuseAnotherUpdate(cloudformation: CloudFormation, stackName: string, reviewed: { stackId: string; changeSetId: string }): Promise<void> {
  const changeSet = await describeChangeSet(cloudformation, reviewed.changeSetId);
  const execution = changeSet?.ExecutionStatus;
  if (changeSet?.StackId === reviewed.stackId && (execution === 'EXECUTE_IN_PROGRESS' || execution === 'EXECUTE_COMPLETE')) return;
  throw planNoLongerHolds(`stack ${stackName} is being updated, but not by the reviewed change set ${reviewed.changeSetId} (${changeSet ? `its execution status is ${execution ?? 'unknown'}` : 'CloudFormation no longer has it'})`);
}

/** The result once the update is under way: at once, or when it reaches `waitFor`. */
async function finishUpdate(
  ctx: StepContext,
  cloudformation: CloudFormation,
  input: UpdateStackInput,
  stackId: string,
  pollIntervalMs: number,
  afterEventId: string | undefined,
): Promise<JsonObject> {
  if (!input.waitFor) return { StackId: stackId, Updated: true };
  const stack = await waitForStackStatus(ctx, cloudformation, {
    stackId,
    stackName: input.stackName,
    targets: [input.waitFor],
    pollIntervalMs,
    afterEventId,
  });
  return { StackId: stackId, Updated: true, Stack: toPlainJson(stack) };
}

function alreadyUpdating(input: UpdateStackInput, stack: Stack): string {
  return `stack ${input.stackName} is already ${stack.StackStatus}: an update is under way (the one an interrupted run sent, or another), so no second UpdateStack is sent`;
}

async function planUpdate(cloudformation: CloudFormation, input: UpdateStackInput, stack: Stack): Promise<UpdatePlan> {
  if (input.templateUrl !== undefined && input.usePreviousTemplate === true) {
    throw invalid(`give templateUrl (${input.templateUrl}) or usePreviousTemplate: true, not both`);
  }
  if (input.templateUrl === undefined && input.usePreviousTemplate !== true) {
    throw invalid(`stack ${input.stackName}: give templateUrl (the new template) or usePreviousTemplate: true`);
  }
  const { sdk, client, callOptions } = cloudformation;
  const region = cloudformation.region ?? (await client.config.region());
  const overrides = Object.entries(input.parameters ?? {});
  const current = new Map((stack.Parameters ?? []).map((parameter) => [parameter.ParameterKey!, parameter]));

  let parameters: Parameter[] | undefined;
  const kept: string[] = [];
  const set: string[] = [];
  if (input.usePreviousParameters || overrides.length > 0) {
    const summary = await client.send(
      new sdk.GetTemplateSummaryCommand(input.templateUrl ? { TemplateURL: input.templateUrl } : { StackName: stack.StackId }),
      callOptions,
    );
    const declared = (summary.Parameters ?? []).map((parameter) => parameter.ParameterKey!);
    const undeclared = overrides.map(([key]) => key).filter((key) => !declared.includes(key));
    if (undeclared.length > 0) {
      throw invalid(
        `parameters ${undeclared.join(', ')} ${undeclared.length === 1 ? 'is' : 'are'} not declared by the template of ${input.templateUrl ?? `stack ${input.stackName}`}; it declares ${declared.join(', ') || 'no parameters'}`,
      );
    }
    parameters = [];
    for (const key of declared) {
      const override = overrides.find(([name]) => name === key);
      if (override) {
        parameters.push({ ParameterKey: key, ParameterValue: String(override[1]) });
        set.push(key);
      } else if (input.usePreviousParameters && current.has(key)) {
        parameters.push({ ParameterKey: key, UsePreviousValue: true });
        kept.push(key);
      }
    }
  }
  const request: UpdateStackCommandInput = {
    StackName: input.stackName,
    ...(input.templateUrl ? { TemplateURL: input.templateUrl } : { UsePreviousTemplate: true }),
    ...(parameters ? { Parameters: parameters } : {}),
    ...(input.capabilities?.length ? { Capabilities: input.capabilities } : {}),
  };
  const dropped = [...current.keys()].filter((key) => !kept.includes(key) && !set.includes(key));
  return { request, stackId: stack.StackId!, region, kept, set, dropped };
}

function summarize(input: UpdateStackInput, plan: UpdatePlan): string {
  const template = input.templateUrl ? `from ${input.templateUrl}` : 'with its current template';
  const parts = [`update stack ${input.stackName} in ${plan.region} ${template}`];
  if (plan.kept.length > 0) parts.push(`keeping ${plan.kept.join(', ')}`);
  if (plan.set.length > 0) parts.push(`setting ${plan.set.map((key) => `${key}=${String(input.parameters![key])}`).join(', ')}`);
  if (plan.dropped.length > 0) parts.push(`${plan.dropped.join(', ')} taking the template's defaults (their current values are not kept)`);
  if (input.capabilities?.length) parts.push(`acknowledging ${input.capabilities.join(', ')}`);
  const wait = input.waitFor ? `, then wait for ${input.waitFor}` : '';
  return `${parts.join('; ')}${wait}`;
}

function pollInterval(input: UpdateStackInput): number {
  const text = input.pollInterval ?? DEFAULT_POLL_INTERVAL;
  const milliseconds = parseDuration(text);
  if (milliseconds === undefined) throw invalid(`pollInterval ${JSON.stringify(text)} is not a duration such as 10s or 1m`);
  return milliseconds;
}

function isNoUpdates(error: unknown): boolean {
  return error instanceof AwsFailure && error.awsCode === 'ValidationError' && /No updates are to be performed/i.test(error.message);
}

function invalid(message: string): StepFailure {
  return new StepFailure(message, { code: 'invalid-input', retryable: false });
}

