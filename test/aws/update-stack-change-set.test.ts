/**
 * How aws.cloudformation.update-stack previews an update with a change set, in what moto cannot
 * show: a change set still being created, one that finds nothing to change (moto lists every
 * resource as modified), one that fails, Replacement, and several pages of changes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import updateStack from '../../steps/aws/cloudformation-update-stack.js';
import { describeStacksResult, queryResult, startFakeAws, type FakeAws, type FakeResponse, type FakeStack } from '../support/fake-aws.js';
import { useAwsEnvironment } from '../support/moto-env.js';
import { fakeStepContext } from '../support/step-context.js';

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws();
});
useAwsEnvironment({ endpoint: () => fake.url });
afterAll(() => fake.close());

const stack: FakeStack = { name: 'billing-compute', id: 'arn:aws:cloudformation:us-east-1:123456789012:stack/billing-compute/5b1d', status: 'UPDATE_COMPLETE' };
const CHANGE_SET = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/stepwise-plan/77aa';
const INPUT = { stackName: stack.name, templateUrl: 'https://s3.amazonaws.com/templates/production.json', capabilities: ['CAPABILITY_IAM' as const] };

interface Page {
  status: string;
  reason?: string;
  changes?: string[];
  nextToken?: string;
}

function change(action: string, logicalId: string, type: string, replacement?: string, details: string[] = []): string {
  const replaced = replacement ? `<Replacement>${replacement}</Replacement>` : '';
  const detailed = details.length > 0 ? `<Details>${details.join('')}</Details>` : '';
  return `<member><Type>Resource</Type><ResourceChange><Action>${action}</Action><LogicalResourceId>${logicalId}</LogicalResourceId><ResourceType>${type}</ResourceType>${replaced}${detailed}</ResourceChange></member>`;
}

/** A ResourceChangeDetail as CloudFormation gives it when asked for property values (IncludePropertyValues). */
function detail(target: { name: string; path: string; before?: string; after?: string; recreation: string }, source = 'DirectModification'): string {
  const value = (tag: string, text: string | undefined) => (text === undefined ? '' : `<${tag}>${text}</${tag}>`);
  return (
    `<member><Target><Attribute>Properties</Attribute><Name>${target.name}</Name><Path>${target.path}</Path><RequiresRecreation>${target.recreation}</RequiresRecreation>` +
    `${value('BeforeValue', target.before)}${value('AfterValue', target.after)}<AttributeChangeType>Modify</AttributeChangeType></Target>` +
    `<Evaluation>Static</Evaluation><ChangeSource>${source}</ChangeSource></member>`
  );
}

function describeChangeSetResult(page: Page): FakeResponse {
  const reason = page.reason ? `<StatusReason>${page.reason}</StatusReason>` : '';
  const next = page.nextToken ? `<NextToken>${page.nextToken}</NextToken>` : '';
  return queryResult('DescribeChangeSet', `<ChangeSetId>${CHANGE_SET}</ChangeSetId><Status>${page.status}</Status>${reason}<Changes>${(page.changes ?? []).join('')}</Changes>${next}`);
}

/** DescribeChangeSet answers each page in turn: by NextToken once the change set is created. */
function changeSetAnswers(...pages: Page[]): void {
  let call = 0;
  fake.handle = (request) => {
    switch (request.action) {
      case 'DescribeStacks':
        return describeStacksResult(stack);
      case 'CreateChangeSet':
        return queryResult('CreateChangeSet', `<Id>${CHANGE_SET}</Id><StackId>${stack.id}</StackId>`);
      case 'DescribeChangeSet':
        return describeChangeSetResult(pages[Math.min(call++, pages.length - 1)]!);
      case 'DeleteChangeSet':
        return queryResult('DeleteChangeSet', '');
      default:
        throw new Error(`the plan sent ${request.action}`);
    }
  };
}

const actions = () => fake.requests.map((request) => request.action);

describe('update-stack previews its update with a change set', () => {
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('creates an UPDATE change set with the request, waits while it is created, reads every page, Replacement too, and deletes it', async () => {
    changeSetAnswers(
      { status: 'CREATE_IN_PROGRESS' },
      { status: 'CREATE_COMPLETE', changes: [change('Remove', 'SoloInstance', 'AWS::EC2::Instance')], nextToken: 'page-2' },
      { status: 'CREATE_COMPLETE', changes: [change('Modify', 'TxAutoScalingGroup', 'AWS::AutoScaling::AutoScalingGroup', 'Conditional'), change('Add', 'Bastion', 'AWS::EC2::Instance')] },
    );
    const plan = await updateStack.plan!(fakeStepContext({ dryRun: true }), INPUT);
    if (typeof plan === 'string') throw new Error(`expected a plan with details, got ${plan}`);

    expect(plan.changes).toEqual([
      { action: 'Remove', logicalId: 'SoloInstance', resourceType: 'AWS::EC2::Instance' },
      { action: 'Modify', logicalId: 'TxAutoScalingGroup', resourceType: 'AWS::AutoScaling::AutoScalingGroup', replacement: 'Conditional' },
      { action: 'Add', logicalId: 'Bastion', resourceType: 'AWS::EC2::Instance' },
    ]);
    expect(plan.summary).toBe(`update stack billing-compute in us-east-1 from ${INPUT.templateUrl}; acknowledging CAPABILITY_IAM; CloudFormation's change set: 3 resource changes`);
    expect(plan.details).toContain(
      "CloudFormation's change set (created to preview, then deleted):\nRemove SoloInstance (AWS::EC2::Instance)\nModify TxAutoScalingGroup (AWS::AutoScaling::AutoScalingGroup), replacement: Conditional\nAdd Bastion (AWS::EC2::Instance)",
    );
    expect(actions()).toEqual(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet', 'DescribeChangeSet', 'DescribeChangeSet', 'DeleteChangeSet']);
    const create = fake.requests.find((request) => request.action === 'CreateChangeSet')!.params;
    expect(create.get('ChangeSetType')).toBe('UPDATE');
    expect(create.get('StackName')).toBe(stack.name);
    expect(create.get('TemplateURL')).toBe(INPUT.templateUrl);
    expect(create.get('Capabilities.member.1')).toBe('CAPABILITY_IAM');
    expect(fake.requests.filter((request) => request.action === 'DescribeChangeSet').map((request) => request.params.get('NextToken'))).toEqual([null, null, 'page-2']);
    expect(fake.requests.find((request) => request.action === 'DeleteChangeSet')!.params.get('ChangeSetName')).toBe(CHANGE_SET);
  });

  it("asks for property values and shows each property a change sets, before and after, once however many causes CloudFormation lists", async () => {
    const instanceType = { name: 'LaunchTemplateData', path: '/Properties/LaunchTemplateData/InstanceType', before: 't2.small', after: 'i3.large', recreation: 'Never' };
    changeSetAnswers(
      { status: 'CREATE_IN_PROGRESS' },
      {
        status: 'CREATE_COMPLETE',
        changes: [
          change('Modify', 'NodeLaunchTemplate', 'AWS::EC2::LaunchTemplate', 'False', [detail(instanceType), detail(instanceType, 'ParameterReference')]),
          change('Modify', 'TxAutoScalingGroup', 'AWS::AutoScaling::AutoScalingGroup', 'Conditional', [
            detail({ name: 'MinSize', path: '/Properties/MinSize', before: '1', after: '2', recreation: 'Never' }),
            detail({ name: 'AvailabilityZones', path: '/Properties/AvailabilityZones', after: '["us-east-1a"]', recreation: 'Conditionally' }),
          ]),
        ],
      },
    );
    const plan = await updateStack.plan!(fakeStepContext({ dryRun: true }), INPUT);
    if (typeof plan === 'string') throw new Error(`expected a plan with details, got ${plan}`);

    expect(plan.changes).toEqual([
      {
        action: 'Modify',
        logicalId: 'NodeLaunchTemplate',
        resourceType: 'AWS::EC2::LaunchTemplate',
        replacement: 'False',
        properties: [{ name: 'LaunchTemplateData/InstanceType', before: 't2.small', after: 'i3.large', requiresRecreation: 'Never' }],
      },
      {
        action: 'Modify',
        logicalId: 'TxAutoScalingGroup',
        resourceType: 'AWS::AutoScaling::AutoScalingGroup',
        replacement: 'Conditional',
        properties: [
          { name: 'MinSize', before: '1', after: '2', requiresRecreation: 'Never' },
          { name: 'AvailabilityZones', after: '["us-east-1a"]', requiresRecreation: 'Conditionally' },
        ],
      },
    ]);
    expect(plan.details).toContain(
      [
        'Modify NodeLaunchTemplate (AWS::EC2::LaunchTemplate), replacement: False',
        '  LaunchTemplateData/InstanceType: t2.small → i3.large',
        'Modify TxAutoScalingGroup (AWS::AutoScaling::AutoScalingGroup), replacement: Conditional',
        '  MinSize: 1 → 2',
        '  AvailabilityZones: (none) → ["us-east-1a"] (recreates the resource: Conditionally)',
      ].join('\n'),
    );
    const describes = fake.requests.filter((request) => request.action === 'DescribeChangeSet');
    expect(describes.map((request) => request.params.get('IncludePropertyValues'))).toEqual(['true', 'true']);
  });

  it('says there is nothing to change when CloudFormation fails the change set for having no changes, and deletes it', async () => {
    const reason = "The submitted information didn't contain changes. Submit different information to create a change set.";
    changeSetAnswers({ status: 'FAILED', reason });
    const plan = await updateStack.plan!(fakeStepContext({ dryRun: true }), INPUT);
    if (typeof plan === 'string') throw new Error(`expected a plan with details, got ${plan}`);
    expect(plan.summary).toBe(`update stack billing-compute in us-east-1 from ${INPUT.templateUrl}; acknowledging CAPABILITY_IAM: nothing to change, CloudFormation says (${reason})`);
    expect(plan.changes).toEqual([]);
    expect(actions()).toEqual(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet']);
  });

  it('kept for apply, keeps no change set that changes nothing, and apply then sends nothing', async () => {
    changeSetAnswers({ status: 'FAILED', reason: "The submitted information didn't contain changes. Submit different information to create a change set." });
    const plan = await updateStack.plan!(fakeStepContext({ dryRun: true, keepPlan: true }), INPUT);
    expect(plan).toMatchObject({ changes: [], kept: { kind: 'no-changes', stackId: stack.id } });
    expect(actions()).toEqual(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet']);
    expect(fake.requests.find((request) => request.action === 'CreateChangeSet')!.params.get('ChangeSetName')).toMatch(/^stepwise-apply-[0-9a-f]{12}$/);

    fake.requests.length = 0;
    const context = fakeStepContext({ reviewed: { kind: 'no-changes', stackId: stack.id } });
    expect(await updateStack.run(context, INPUT)).toMatchObject({ StackId: stack.id, Updated: false });
    expect(context.logs).toEqual(['The reviewed plan found nothing to change in stack billing-compute: nothing is sent.']);
    expect(actions()).toEqual(['DescribeStacks']);
  });

  it('deletes its change set when the plan is cancelled while CloudFormation creates it', async () => {
    const controller = new AbortController();
    changeSetAnswers({ status: 'CREATE_PENDING' });
    const answer = fake.handle;
    fake.handle = (request) => {
      if (request.action === 'DescribeChangeSet') controller.abort(new Error('Ctrl-C'));
      return answer(request);
    };
    await expect(updateStack.plan!(fakeStepContext({ dryRun: true, signal: controller.signal }), INPUT)).rejects.toThrow();
    expect(actions()).toEqual(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet']);
  });

  it('fails with the reason CloudFormation gave when the change set fails otherwise, and still deletes it', async () => {
    changeSetAnswers({ status: 'FAILED', reason: 'Parameters: [KeyName] must have values' });
    await expect(updateStack.plan!(fakeStepContext({ dryRun: true }), INPUT)).rejects.toMatchObject({
      code: 'change-set-failed',
      message: `CloudFormation could not preview the update of stack billing-compute: change set ${CHANGE_SET} FAILED: Parameters: [KeyName] must have values`,
    });
    expect(actions()).toEqual(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet']);
  });

  it.each([
    ['OBSOLETE', 'CREATE_COMPLETE', undefined],
    ['UNAVAILABLE', 'FAILED', 'Parameters: [KeyName] must have values'],
  ])('in apply, refuses a reviewed change set whose execution status is %s, and sends no update of its own', async (executionStatus, status, reason) => {
    fake.handle = (request) => {
      switch (request.action) {
        case 'DescribeStacks':
          return describeStacksResult(stack);
        case 'DescribeChangeSet':
          return queryResult(
            'DescribeChangeSet',
            `<ChangeSetId>${CHANGE_SET}</ChangeSetId><StackId>${stack.id}</StackId><Status>${status}</Status>${reason ? `<StatusReason>${reason}</StatusReason>` : ''}<ExecutionStatus>${executionStatus}</ExecutionStatus>`,
          );
        default:
          throw new Error(`apply sent ${request.action}`);
      }
    };
    const reviewed = { kind: 'change-set', stackId: stack.id, changeSetId: CHANGE_SET };
    await expect(updateStack.run(fakeStepContext({ reviewed }), INPUT)).rejects.toMatchObject({
      code: 'reviewed-plan-unusable',
      message: `the reviewed change set ${CHANGE_SET} of stack billing-compute cannot be executed: its status is ${status}${reason ? ` (${reason})` : ''}, its execution status ${executionStatus}, not AVAILABLE. Make a new plan (stepwise plan --out), review it, and apply that: apply never sends another update than the one reviewed`,
    });
    expect(actions()).toEqual(['DescribeStacks', 'DescribeChangeSet']);
  });

  it('in apply, refuses a reviewed record it cannot read, saying what it needs', async () => {
    changeSetAnswers({ status: 'CREATE_COMPLETE' });
    await expect(updateStack.run(fakeStepContext({ reviewed: { kind: 'change-set', stackId: stack.id } }), INPUT)).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining(`is not one this version of stepwise reads ({"kind":"change-set","stackId":"${stack.id}"}): it needs kind (change-set, no-changes, update-stack, under-way) and stackId, and changeSetId for a change-set`),
    });
    expect(actions()).toEqual([]);
  });
});
