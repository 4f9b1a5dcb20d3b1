/**
 * convert-solo-to-production against moto, run by the CLI as an operator runs it. What moto
 * cannot show (an update that takes time, a rollback, a stack another update is working on)
 * goes through stack-script-proxy.ts, which forwards every call to moto and only rewrites how
 * the scripted stack looks.
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, ListChangeSetsCommand, type Stack } from '@aws-sdk/client-cloudformation';
import type { ResourceChange } from '../../engine/step-definition.js';
import { DeleteTagsCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readJournalLines, runCli, startCli, waitFor, type CliResult, type JournalLine, type StartedCli } from '../support/cli.js';
import { recordedCalls, recordingMark, writeCallsSince, type RecordingMark } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedDatomicSystem, seedDatomicSystems, uploadDatomicTemplates } from '../support/seed-datomic.js';
import { startStackScriptProxy, type ProxyStackEvent, type StackScript, type StackScriptProxy } from './support/stack-script-proxy.js';

const root = path.resolve(import.meta.dirname, '../..');
const runbook = path.join(root, 'runbooks/datomic/convert-solo-to-production.yaml');
const stateDir = mkdtempSync(path.join(tmpdir(), 'stepwise-convert-'));
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

interface RunJson {
  runId: string;
  status: string;
  outputs: { system: string; computeStack: string; alreadyProduction: boolean; topology: string; nodes: string[] | null };
  steps: { id: string; status: string }[];
}

const moto = useMoto();
let proxy: StackScriptProxy;
let templateUrl: string;

/** The CLI's arguments for a conversion of `system`; a short poll interval keeps scripted waits brief. */
function convertArgs(system: string, ...extra: string[]): string[] {
  return ['run', runbook, '--yes', '--state-dir', stateDir, '-p', `system=${system}`, '-p', `templateUrl=${templateUrl}`, '-p', 'pollInterval=200ms', ...extra];
}

/** Talks to moto directly, or through the proxy. */
function cliEnv(through?: StackScriptProxy): { cwd: string; env: Record<string, string> } {
  return { cwd: root, env: through ? { AWS_ENDPOINT_URL: through.url } : {} };
}

function convert(system: string, options: { extra?: string[]; through?: StackScriptProxy } = {}): Promise<CliResult> {
  return runCli(convertArgs(system, ...(options.extra ?? [])), cliEnv(options.through));
}

function json(result: CliResult): RunJson {
  expect(result.code, result.printed).toBe(0);
  return JSON.parse(result.stdout) as RunJson;
}

function statuses(run: RunJson): Record<string, string> {
  return Object.fromEntries(run.steps.map((step) => [step.id, step.status]));
}

/** The step that failed the run, and why, as the journal has it; the operator saw the same reason, without a stack trace. */
function failureOf(result: CliResult): { stepId: string; message: string } {
  expect(result.code, result.printed).toBe(1);
  expect(result.printed).not.toMatch(STACK_TRACE);
  const failed = readJournalLines(stateDir, runIdOf(result.printed)).filter((line) => line.type === 'step-failed').at(-1)!;
  expect(result.printed).toContain(failed.error!.message);
  return { stepId: failed.stepId!, message: failed.error!.message };
}

interface PlanDocument {
  status: string;
  steps: { id: string; status: string; plans?: { plan: { summary: string; details: string; changes?: ResourceChange[] } }[] }[];
}

/** The UpdateStack request a plan's details begin with, as JSON text, without the change list after it. */
function requestOf(details: string): string {
  return details.slice(0, details.indexOf('\n}') + 2);
}

/** The change sets left on a stack: a plan deletes the one it previews with. */
async function changeSetsOf(stackName: string): Promise<string[]> {
  const cloudformation = new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  try {
    const { Summaries } = await cloudformation.send(new ListChangeSetsCommand({ StackName: stackName }));
    return (Summaries ?? []).map((summary) => summary.ChangeSetName!);
  } finally {
    cloudformation.destroy();
  }
}

async function stack(name: string): Promise<Stack> {
  const client = new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: name }));
  client.destroy();
  return Stacks![0]!;
}

/** [instance type, state] of each node of the system, sorted. */
async function nodesOf(system: string): Promise<string[][]> {
  const ec2 = new EC2Client({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  const { Reservations } = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:datomic:system', Values: [system] }, { Name: 'tag-key', Values: ['datomic:tx-group'] }] }));
  ec2.destroy();
  return (Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map((node) => [node.InstanceType!, node.State!.Name!]).sort();
}

/** The ids of the system's nodes of one instance type that are not terminated. */
async function nodeIdsOf(system: string, instanceType: string): Promise<string[]> {
  const ec2 = new EC2Client({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  const { Reservations } = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:datomic:system', Values: [system] }, { Name: 'instance-type', Values: [instanceType] }] }));
  ec2.destroy();
  return (Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).filter((node) => node.State!.Name !== 'terminated').map((node) => node.InstanceId!);
}

async function updateStackCallsSince(mark: RecordingMark): Promise<number> {
  return (await recordedCalls(moto.url)).slice(mark.count).filter((call) => call.operation === 'UpdateStack').length;
}

function runIdOf(printed: string): string {
  const match = / · run (\S+)/.exec(printed);
  if (!match) throw new Error(`no run id in:\n${printed}`);
  return match[1]!;
}

const STEP_OUTCOMES = new Set(['step-started', 'step-succeeded', 'step-failed']);

/** The step's starts and outcomes in the run's journal. */
function journalOf(runId: string, stepId: string): JournalLine[] {
  return readJournalLines(stateDir, runId).filter((line) => line.stepId === stepId && STEP_OUTCOMES.has(line.type));
}

/**
 * A system launched with a master stack: the stack named after the system holds the compute
 * stack as a nested stack. (moto leaves ParentId out of nested stacks, as AWS does not.)
 */
async function seedMasterStackSystem(system: string): Promise<void> {
  const urls = await uploadDatomicTemplates(moto.url, '781-9041');
  const client = new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  // what the nested storage stack would export under the system's name
  await client.send(
    new CreateStackCommand({
      StackName: `${system}-file-system`,
      TemplateBody: JSON.stringify({
        Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: { FileSystemId: { Value: 'fs-0123456789abcdef0', Export: { Name: `${system}-FileSystemId` } } },
      }),
    }),
  );
  const parameters = { SystemName: system, InstanceType: 't2.small', KeyName: '', ApplicationName: system, EnvironmentMap: '{}', DesiredCapacity: '1', MinSize: '1', MaxSize: '1' };
  await client.send(
    new CreateStackCommand({
      StackName: system,
      TemplateBody: JSON.stringify({ Resources: { Compute: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: urls['solo-compute'], Parameters: parameters } } } }),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  client.destroy();
}

const stackEvent = (stackName: string, status: string, reason?: string): ProxyStackEvent => ({ logicalId: stackName, type: 'AWS::CloudFormation::Stack', status, reason });
const groupUpdating: ProxyStackEvent = { logicalId: 'TxAutoScalingGroup', type: 'AWS::AutoScaling::AutoScalingGroup', status: 'UPDATE_IN_PROGRESS' };

/** The stack as CloudFormation shows it while it replaces the nodes; moto has in fact finished. */
const STILL_UPDATING: StackScript = { stages: [{ status: 'UPDATE_IN_PROGRESS', events: [groupUpdating] }], hiddenStatuses: ['UPDATE_COMPLETE'] };

const WAITING_LINE = (stackName: string) => `wait: ${stackName}: UPDATE_IN_PROGRESS, waiting for UPDATE_COMPLETE`;

/** Waits until the CLI has printed `text` `times` times. */
function printed(cli: StartedCli, text: string, times = 1): Promise<true> {
  return waitFor(`"${text}" printed ${times} time(s)`, () => cli.output().split(text).length > times, 60_000);
}

describeMoto('convert-solo-to-production against moto', () => {
  beforeAll(async () => {
    const seeded = await seedDatomicSystems(moto.url, [
      ...['inventory', 'planned', 'shaky', 'doomed', 'waited', 'interrupted', 'lingering', 'nodeless'].map((system) => ({ system, topology: 'solo' as const, version: '781-9041' })),
      { system: 'modern', topology: 'solo', version: '884-9095' },
    ], { concurrency: 1 });
    templateUrl = seeded[0]!.templateUrls['production-compute'];
    await seedDatomicSystem(moto.url, { system: 'orders', topology: 'production', version: '973-9132', queryGroups: 1 });
    await seedMasterStackSystem('legacy');
    proxy = await startStackScriptProxy(moto.url);
  }, 180_000);

  afterAll(() => proxy?.close());

  it('converts a seeded Solo system: preconditions, the update, the wait and the verification, without the SDK\'s Node warning', { timeout: 120_000 }, async () => {
    const before = await stack('inventory-compute');
    expect(await nodesOf('inventory')).toEqual([['t2.small', 'running']]);
    const mark = await recordingMark(moto.url);

    const result = await runCli(convertArgs('inventory', '--json'), { cwd: root, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined } });
    const run = json(result);
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(statuses(run)).toEqual({
      stacks: 'succeeded',
      'system-exists': 'succeeded',
      compute: 'succeeded',
      'compute-found': 'succeeded',
      nesting: 'succeeded',
      'split-stacks': 'succeeded',
      stable: 'succeeded',
      'solo-version': 'succeeded',
      current: 'succeeded',
      approve: 'succeeded',
      update: 'succeeded',
      wait: 'succeeded',
      converted: 'succeeded',
      'production-output': 'succeeded',
      nodes: 'succeeded',
      'production-nodes': 'succeeded',
    });
    expect(run.outputs).toMatchObject({ system: 'inventory', computeStack: 'inventory-compute', alreadyProduction: false, topology: 'production' });
    expect(run.outputs.nodes).toHaveLength(2);

    const after = await stack('inventory-compute');
    expect(after.StackStatus).toBe('UPDATE_COMPLETE');
    expect(after.Outputs!.map((output) => output.OutputKey)).toContain('DatomicProductionCompute');
    expect(after.Parameters).toEqual(before.Parameters);
    expect(await nodesOf('inventory')).toEqual([['i3.large', 'running'], ['i3.large', 'running'], ['t2.small', 'terminated']]);
    expect((await writeCallsSince(moto.url, mark)).map((call) => call.operation)).toEqual(['UpdateStack']);
  });

  it('does nothing on a second run: the system already runs Production', async () => {
    const mark = await recordingMark(moto.url);
    const run = json(await convert('inventory', { extra: ['--json'] }));
    expect(run.outputs).toMatchObject({ alreadyProduction: true, topology: 'production', nodes: null });
    for (const id of ['stable', 'solo-version', 'current', 'approve', 'update', 'wait', 'nodes', 'production-nodes']) expect(statuses(run)[id], id).toBe('skipped');
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  });

  it('leaves a system seeded as Production alone', async () => {
    const mark = await recordingMark(moto.url);
    const run = json(await convert('orders', { extra: ['--json'] }));
    expect(run.outputs).toMatchObject({ system: 'orders', computeStack: 'orders-compute', alreadyProduction: true, topology: 'production' });
    expect(statuses(run).update).toBe('skipped');
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  });

  it('refuses a compute stack newer than 781-9041, which has no Solo topology to convert', async () => {
    const mark = await recordingMark(moto.url);
    const failure = failureOf(await convert('modern'));
    expect(failure.stepId).toBe('solo-version');
    expect(failure.message).toContain('compute stack modern-compute runs 884-9095: converting Solo to Production applies to 781-9041 and lower only');
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  });

  it('refuses a system launched with a master stack, naming the nested stack', async () => {
    const mark = await recordingMark(moto.url);
    const failure = failureOf(await convert('legacy'));
    expect(failure.stepId).toBe('split-stacks');
    expect(failure.message).toMatch(/system legacy runs a master stack, not split stacks: legacy holds the nested stacks legacy-Compute-\w+\. The conversion needs split stacks/);
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  });

  it('refuses a computeStack that belongs to another system', async () => {
    const failure = failureOf(await convert('modern', { extra: ['-p', 'computeStack=orders-compute'] }));
    expect(failure.stepId).toBe('compute-found');
    expect(failure.message).toContain('no stack in us-east-1 has the parameter SystemName=modern and the name orders-compute;');
  });

  it('refuses a compute stack that CloudFormation is still working on', async () => {
    proxy.script('shaky-compute', { stages: [{ status: 'UPDATE_IN_PROGRESS' }] });
    const mark = await recordingMark(moto.url);
    const failure = failureOf(await convert('shaky', { through: proxy }));
    proxy.script('shaky-compute', undefined);
    expect(failure).toMatchObject({ stepId: 'stable', message: expect.stringContaining('compute stack shaky-compute is UPDATE_IN_PROGRESS: wait until CloudFormation has finished with it') });
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  });

  it('fails with the reasons CloudFormation gave when the update rolls back', async () => {
    const started = stackEvent('doomed-compute', 'UPDATE_IN_PROGRESS', 'User Initiated');
    const groupFailed: ProxyStackEvent = {
      logicalId: 'TxAutoScalingGroup',
      type: 'AWS::AutoScaling::AutoScalingGroup',
      status: 'UPDATE_FAILED',
      reason: 'Received 0 SUCCESS signal(s) out of 2. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement',
    };
    const rollingBack = stackEvent('doomed-compute', 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [TxAutoScalingGroup]');
    proxy.handleUpdateStack = (stackName) =>
      stackName === 'doomed-compute'
        ? {
            forward: false,
            answer: true,
            then: {
              stages: [
                { status: 'UPDATE_IN_PROGRESS', events: [groupUpdating, started] },
                { status: 'UPDATE_ROLLBACK_IN_PROGRESS', events: [rollingBack, groupFailed, groupUpdating, started] },
              ],
            },
          }
        : { forward: true, answer: true };

    const result = await convert('doomed', { through: proxy });
    proxy.script('doomed-compute', undefined);
    const failure = failureOf(result);
    expect(failure.stepId).toBe('wait');
    expect(failure.message).toContain(
      'stack doomed-compute in us-east-1 is UPDATE_ROLLBACK_IN_PROGRESS, not UPDATE_COMPLETE. TxAutoScalingGroup (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: Received 0 SUCCESS signal(s) out of 2. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement.',
    );
    expect(result.printed).toContain('wait: doomed-compute (AWS::CloudFormation::Stack) UPDATE_ROLLBACK_IN_PROGRESS: The following resource(s) failed to update: [TxAutoScalingGroup]');
    expect(journalOf(runIdOf(result.printed), 'converted')).toEqual([]);
  });

  it("dry-runs to the exact UpdateStack request and CloudFormation's change set, and no write but the deleted change set reaches moto", async () => {
    const mark = await recordingMark(moto.url);
    const result = await runCli(['plan', runbook, '--json', '-p', 'system=planned', '-p', `templateUrl=${templateUrl}`], cliEnv());
    expect(result.code, result.printed).toBe(0);
    const plan = JSON.parse(result.stdout) as PlanDocument;
    expect(plan.status).toBe('planned');
    const update = plan.steps.find((step) => step.id === 'update')!;
    expect(update.status).toBe('planned');
    const { details, changes, summary } = update.plans![0]!.plan;
    // moto's change set: the Solo template's launch template (t2.small) and Auto Scaling group (one node)
    // become the Production ones (i3.large, two nodes); moto says no Replacement
    expect(changes).toEqual([
      { action: 'Modify', logicalId: 'NodeLaunchTemplate', resourceType: 'AWS::EC2::LaunchTemplate' },
      { action: 'Modify', logicalId: 'TxAutoScalingGroup', resourceType: 'AWS::AutoScaling::AutoScalingGroup' },
    ]);
    expect(details).toContain(
      "CloudFormation's change set (created to preview, then deleted):\nModify NodeLaunchTemplate (AWS::EC2::LaunchTemplate)\nModify TxAutoScalingGroup (AWS::AutoScaling::AutoScalingGroup)",
    );
    expect(JSON.parse(requestOf(details))).toEqual({
      StackName: 'planned-compute',
      TemplateURL: templateUrl,
      Parameters: ['SystemName', 'InstanceType', 'KeyName', 'ApplicationName', 'EnvironmentMap', 'DesiredCapacity', 'MinSize', 'MaxSize'].map((key) => ({ ParameterKey: key, UsePreviousValue: true })),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
    expect(summary).toBe(
      `update stack planned-compute in us-east-1 from ${templateUrl}; keeping SystemName, InstanceType, KeyName, ApplicationName, EnvironmentMap, DesiredCapacity, MinSize, MaxSize; acknowledging CAPABILITY_IAM, CAPABILITY_NAMED_IAM; CloudFormation's change set: 2 resource changes`,
    );
    expect(plan.steps.find((step) => step.id === 'wait')!.status).toBe('depends');
    const writes = await writeCallsSince(moto.url, mark);
    expect(writes.map((call) => [call.operation, call.dryRun])).toEqual([
      ['CreateChangeSet', true],
      ['DeleteChangeSet', true],
    ]);
    expect(await changeSetsOf('planned-compute')).toEqual([]);
    expect((await stack('planned-compute')).StackStatus).toBe('CREATE_COMPLETE');
  });

  it('plans, before the approval, which node goes and which come, from what the system runs now', async () => {
    const [solo] = await nodeIdsOf('planned', 't2.small');
    const result = await runCli(['plan', runbook, '-p', 'system=planned', '-p', `templateUrl=${templateUrl}`], cliEnv());
    expect(result.code, result.printed).toBe(0);
    const lines = result.stdout.split('\n');
    const current = lines.findIndex((line) => line.includes('✔ current'));
    const approve = lines.findIndex((line) => line.includes('? approve: would ask:'));
    expect(current, result.stdout).toBeGreaterThan(-1);
    expect(approve).toBeGreaterThan(current);
    expect(lines[approve]).toBe(
      `  ? approve: would ask: Update stack planned-compute of system planned from Solo to Production with the template ${templateUrl}? ` +
        `The t2.small node ${solo} goes and two i3.large nodes come (the Production topology). ` +
        'Every parameter keeps its value and the IAM capabilities are acknowledged. It takes ten minutes or more (this run waits up to 45m).',
    );
    expect(lines[approve + 1]).toMatch(/^ {2}◇ update \(would change\): update stack planned-compute .*CloudFormation's change set: 2 resource changes$/);
  });

  it('says no t2.small node runs now when it finds none of the system, and still plans the conversion', async () => {
    const ec2 = new EC2Client({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
    try {
      // in moto a terminated node comes back (its Auto Scaling group keeps one running); a node without the node tag is not the system's
      await ec2.send(new DeleteTagsCommand({ Resources: await nodeIdsOf('nodeless', 't2.small'), Tags: [{ Key: 'datomic:tx-group' }] }));
    } finally {
      ec2.destroy();
    }
    const result = await runCli(['plan', runbook, '-p', 'system=nodeless', '-p', `templateUrl=${templateUrl}`], cliEnv());
    expect(result.code, result.printed).toBe(0);
    expect(result.stdout).toContain('? No t2.small node runs now and two i3.large nodes come (the Production topology).');
    expect(result.stdout).toContain('◇ update (would change): update stack nodeless-compute');
  });

  it('with --no-change-sets, plans reading only: the exact request, and no change set asked for', async () => {
    const mark = await recordingMark(moto.url);
    const result = await runCli(['plan', runbook, '--json', '--no-change-sets', '-p', 'system=planned', '-p', `templateUrl=${templateUrl}`], cliEnv());
    expect(result.code, result.printed).toBe(0);
    const update = (JSON.parse(result.stdout) as PlanDocument).steps.find((step) => step.id === 'update')!;
    const { details, changes, summary } = update.plans![0]!.plan;
    expect(changes).toBeUndefined();
    expect(summary).not.toContain('change set');
    expect(JSON.parse(requestOf(details))).toMatchObject({ StackName: 'planned-compute', TemplateURL: templateUrl });
    expect(details).toContain("no change set asked for (--no-change-sets): CloudFormation's own preview of the resource changes is not shown");
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  });

  it('waits for a t2.small that is still up after UPDATE_COMPLETE, reading the nodes again until it is gone', { timeout: 120_000 }, async () => {
    const ec2 = new EC2Client({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
    try {
      const { Reservations } = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:datomic:system', Values: ['lingering'] }] }));
      const solo = Reservations![0]!.Instances![0]!;
      // a node the Auto Scaling group has not shut down yet: the update leaves it to the test
      const launched = await ec2.send(
        new RunInstancesCommand({
          ImageId: solo.ImageId!,
          InstanceType: 't2.small',
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'datomic:system', Value: 'lingering' }, { Key: 'datomic:tx-group', Value: 'lingering-compute' }] }],
        }),
      );
      const straggler = launched.Instances![0]!.InstanceId!;
      const cli = startCli(convertArgs('lingering', '--json'), cliEnv());
      await printed(cli, ' · run ');
      const runId = runIdOf(cli.output());
      await waitFor('the first look at the nodes to find the t2.small', () => journalOf(runId, 'nodes').some((line) => line.type === 'step-failed'), 60_000);
      const [firstLook] = journalOf(runId, 'nodes').filter((line) => line.type === 'step-failed');
      expect(firstLook).toMatchObject({ error: { code: 'until-not-met' }, willRetry: true });
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [straggler] }));

      const run = json(await cli.done);
      expect(run.outputs).toMatchObject({ alreadyProduction: false, topology: 'production' });
      expect(run.outputs.nodes).toHaveLength(2);
      expect(journalOf(runId, 'nodes').map((line) => line.type)).toEqual(['step-started', 'step-failed', 'step-started', 'step-succeeded']);
      expect(statuses(run)['production-nodes']).toBe('succeeded');
    } finally {
      ec2.destroy();
    }
  });

  it('resumes a run killed in the middle of the wait by waiting for the same update', { timeout: 120_000 }, async () => {
    proxy.handleUpdateStack = (stackName) => ({ forward: true, answer: true, ...(stackName === 'waited-compute' ? { then: STILL_UPDATING } : {}) });
    const mark = await recordingMark(moto.url);
    const first = startCli(convertArgs('waited'), cliEnv(proxy));
    await printed(first, WAITING_LINE('waited-compute'));
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const runId = runIdOf(first.output());
    expect(journalOf(runId, 'update').map((line) => line.type)).toEqual(['step-started', 'step-succeeded']);
    expect(journalOf(runId, 'wait').map((line) => line.type)).toEqual(['step-started']);

    const resumed = startCli(['resume', runId, '--json', '--state-dir', stateDir], cliEnv(proxy));
    await printed(resumed, WAITING_LINE('waited-compute'));
    proxy.script('waited-compute', undefined);
    const run = json(await resumed.done);
    expect(run.outputs).toMatchObject({ alreadyProduction: false, topology: 'production' });
    expect(run.outputs.nodes).toHaveLength(2);
    expect(journalOf(runId, 'update').map((line) => line.type)).toEqual(['step-started', 'step-succeeded']);
    expect(await updateStackCallsSince(mark)).toBe(1);
  });

  it('resumes a run killed while UpdateStack was in flight: the update step finds it under way and sends no second one', { timeout: 120_000 }, async () => {
    proxy.handleUpdateStack = (stackName) => (stackName === 'interrupted-compute' ? { forward: true, answer: false, then: STILL_UPDATING } : { forward: true, answer: true });
    const mark = await recordingMark(moto.url);
    const first = startCli(convertArgs('interrupted'), cliEnv(proxy));
    await waitFor('UpdateStack to reach moto', () => proxy.calls.some((call) => call.action === 'UpdateStack' && call.stackName === 'interrupted-compute' && call.forwarded), 60_000);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const runId = runIdOf(first.output());
    expect(journalOf(runId, 'update').map((line) => line.type)).toEqual(['step-started']);

    // no --yes: with a check() the engine asks CloudFormation, not the operator
    const resumed = startCli(['resume', runId, '--json', '--state-dir', stateDir], cliEnv(proxy));
    await printed(resumed, WAITING_LINE('interrupted-compute'));
    proxy.script('interrupted-compute', undefined);
    const result = await resumed.done;
    const run = json(result);
    expect(result.stderr).toContain('stack interrupted-compute is already UPDATE_IN_PROGRESS: an update is under way');
    expect(run.outputs).toMatchObject({ alreadyProduction: false, topology: 'production' });
    expect(journalOf(runId, 'update').map((line) => [line.type, line.via])).toEqual([['step-started', undefined], ['step-succeeded', 'check']]);
    expect(await updateStackCallsSince(mark)).toBe(1);
    expect(proxy.calls.filter((call) => call.action === 'UpdateStack' && call.stackName === 'interrupted-compute')).toHaveLength(1);
  });
});
