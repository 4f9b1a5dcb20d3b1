/**
 * convert-solo-to-production as a team reviews it, against moto, run by the CLI: `plan --out`
 * keeps CloudFormation's change set, `apply` executes exactly that change set, and a plan whose
 * stack was updated in between is refused as stale with nothing changed.
 */
import { CloudFormationClient, DeleteChangeSetCommand, DescribeChangeSetCommand, DescribeStacksCommand, ListChangeSetsCommand, UpdateStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JsonObject } from '../../engine/json.js';
import { expectNoStackTrace, readJournalLines, runCli, runIds, startCli, waitFor, type CliResult, type JournalLine } from '../support/cli.js';
import { recordedCalls, recordingMark, writeCallsSince, type RecordingMark } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedDatomicSystems } from '../support/seed-datomic.js';
import { startStackScriptProxy, type StackScript, type StackScriptProxy } from './support/stack-script-proxy.js';

const root = path.resolve(import.meta.dirname, '../..');
const runbook = path.join(root, 'runbooks/datomic/convert-solo-to-production.yaml');
const folder = mkdtempSync(path.join(tmpdir(), 'stepwise-reviewed-convert-'));
const stateDir = path.join(folder, 'state');
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const CHANGE_SET_ARN = /arn:aws:cloudformation:us-east-1:\d+:changeSet\/stepwise-apply-[0-9a-f]{12}\/[-0-9a-f]+/;

const moto = useMoto();
let templateUrl: string;
let cloudformation: CloudFormationClient;
let proxy: StackScriptProxy;

/** The stack as CloudFormation shows it while it executes the change set; moto has in fact finished. */
const STILL_UPDATING: StackScript = {
  stages: [{ status: 'UPDATE_IN_PROGRESS', events: [{ logicalId: 'TxAutoScalingGroup', type: 'AWS::AutoScaling::AutoScalingGroup', status: 'UPDATE_IN_PROGRESS' }] }],
  hiddenStatuses: ['UPDATE_COMPLETE'],
};

function plan(system: string, out: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['plan', runbook, '-p', `system=${system}`, '-p', `templateUrl=${templateUrl}`, '-p', 'pollInterval=200ms', '--out', out, ...extra], { cwd: root });
}

function apply(planFile: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['apply', planFile, '--yes', '--state-dir', stateDir, ...extra], { cwd: root });
}

/** The update step's starts and outcomes in the run's journal. */
function updateJournal(runId: string): JournalLine[] {
  return readJournalLines(stateDir, runId).filter((line) => line.stepId === 'update' && ['step-started', 'step-succeeded', 'step-failed'].includes(line.type));
}

async function stack(name: string): Promise<Stack> {
  return (await cloudformation.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
}

/** What the plan file kept for the update step: the change set's ARN among it. */
function keptOf(planFile: string): JsonObject {
  const { steps } = JSON.parse(readFileSync(planFile, 'utf8')) as { steps: { id: string; writes?: { kept?: JsonObject }[] }[] };
  return steps.find((step) => step.id === 'update')!.writes![0]!.kept!;
}

function discard(planFile: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['discard', planFile, '--state-dir', stateDir, ...extra], { cwd: root });
}

/** The change sets CloudFormation keeps for a stack; moto 5.2.1's ListChangeSets lists every stack's, whatever StackName says. */
async function changeSetsOf(stackName: string) {
  return ((await cloudformation.send(new ListChangeSetsCommand({ StackName: stackName }))).Summaries ?? []).filter((summary) => summary.StackName === stackName);
}

async function operationsSince(mark: RecordingMark): Promise<string[]> {
  return (await recordedCalls(moto.url)).slice(mark.count).map((call) => call.operation);
}

describeMoto('convert-solo-to-production, planned with --out and applied', () => {
  beforeAll(async () => {
    const [seeded] = await seedDatomicSystems(
      moto.url,
      ['reviewed', 'overtaken', 'withdrawn', 'abandoned', 'paged', 'resumed', 'finished', 'discarded', 'retried'].map((system) => ({ system, topology: 'solo' as const, version: '781-9041' })),
      { concurrency: 1 },
    );
    templateUrl = seeded!.templateUrls['production-compute'];
    cloudformation = new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
    proxy = await startStackScriptProxy(moto.url);
  }, 180_000);

  afterAll(() => proxy?.close());

  it("plans with the change set's resources, keeps it and sends no write but it; apply executes exactly that change set and the system is Production", { timeout: 120_000 }, async () => {
    const planFile = path.join(folder, 'reviewed.plan.json');
    const planned = await recordingMark(moto.url);
    const made = await plan('reviewed', planFile);
    expect(made.code, made.printed).toBe(0);
    expect(made.stdout).toContain("CloudFormation's change set: 2 resource changes");
    expect(made.stdout).toContain('Modify NodeLaunchTemplate (AWS::EC2::LaunchTemplate)');
    expect(made.stdout).toContain('Modify TxAutoScalingGroup (AWS::AutoScaling::AutoScalingGroup)');
    expect(made.stdout).toMatch(new RegExp(`change set \\(kept for apply to execute: ${CHANGE_SET_ARN.source}\\)`));
    expect((await writeCallsSince(moto.url, planned)).map((call) => [call.operation, call.dryRun])).toEqual([['CreateChangeSet', true]]);
    const kept = keptOf(planFile);
    expect(kept).toMatchObject({ kind: 'change-set', changeSetId: expect.stringMatching(CHANGE_SET_ARN) });
    expect((await stack('reviewed-compute')).StackStatus).toBe('CREATE_COMPLETE');

    const applied = await recordingMark(moto.url);
    const result = await apply(planFile, '--json');
    expect(result.code, result.printed).toBe(0);
    const run = JSON.parse(result.stdout) as { runId: string; status: string; outputs: { topology: string; nodes: string[] } };
    expect(run.status).toBe('succeeded');
    expect(run.outputs.topology).toBe('production');
    expect(run.outputs.nodes).toHaveLength(2);
    const operations = await operationsSince(applied);
    expect(operations).toContain('ExecuteChangeSet');
    expect(operations).not.toContain('UpdateStack');
    expect(operations).not.toContain('CreateChangeSet');
    expect((await writeCallsSince(moto.url, applied)).map((call) => call.operation)).toEqual(['ExecuteChangeSet']);
    const changeSet = await cloudformation.send(new DescribeChangeSetCommand({ ChangeSetName: kept.changeSetId as string }));
    expect(changeSet.ExecutionStatus).toBe('EXECUTE_COMPLETE');
    const converted = await stack('reviewed-compute');
    expect(converted.StackStatus).toBe('UPDATE_COMPLETE');
    expect(converted.Outputs!.map((output) => output.OutputKey)).toContain('DatomicProductionCompute');
    const updated = readJournalLines(stateDir, run.runId).find((line) => line.type === 'step-succeeded' && line.stepId === 'update')!;
    expect(updated.outputs).toMatchObject({ changeSet: kept.changeSetId });

    // what the plan kept is the run's now: discard refuses, and sends nothing
    const discarding = await recordingMark(moto.url);
    const refused = await discard(planFile);
    expectNoStackTrace(refused.printed);
    expect(refused.code, refused.printed).toBe(2);
    expect(refused.stderr).toContain(`cannot discard ${planFile}: it was applied, by run ${run.runId}`);
    expect(await operationsSince(discarding)).toEqual([]);
  });

  it('refuses, exit 2, a plan whose stack was updated in between, saying what differs, and changes nothing', { timeout: 120_000 }, async () => {
    const planFile = path.join(folder, 'overtaken.plan.json');
    const made = await plan('overtaken', planFile);
    expect(made.code, made.printed).toBe(0);
    const kept = keptOf(planFile);
    const keep = ['SystemName', 'InstanceType', 'KeyName', 'ApplicationName', 'DesiredCapacity', 'MinSize', 'MaxSize'].map((key) => ({ ParameterKey: key, UsePreviousValue: true }));
    await cloudformation.send(
      new UpdateStackCommand({
        StackName: 'overtaken-compute',
        UsePreviousTemplate: true,
        Parameters: [...keep, { ParameterKey: 'EnvironmentMap', ParameterValue: '{:env :staging}' }],
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      }),
    );
    const before = await stack('overtaken-compute');
    const runsBefore = runIds(stateDir);
    const mark = await recordingMark(moto.url);

    const result = await apply(planFile);
    expect(result.code, result.printed).toBe(2);
    expectNoStackTrace(result.printed);
    expect(result.stderr).toContain('stale plan');
    expect(result.stderr).toContain('stack overtaken-compute: status UPDATE_COMPLETE, was CREATE_COMPLETE');
    expect(result.stderr).toContain('stack overtaken-compute: parameter EnvironmentMap: {:env :staging}, was {:env :test}');
    expect(result.stderr).toMatch(/stack overtaken-compute: new events since the plan, the latest overtaken-compute UPDATE_COMPLETE at \S+/);
    expect(result.stderr).toContain(`step "update": apply leaves what the plan kept as it is: change set ${kept.changeSetId as string} of stack overtaken-compute, in CloudFormation; a new plan makes another`);
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
    expect(runIds(stateDir)).toEqual(runsBefore);
    expect(await stack('overtaken-compute')).toEqual(before);
    const changeSet = await cloudformation.send(new DescribeChangeSetCommand({ ChangeSetName: kept.changeSetId as string }));
    expect(changeSet.ExecutionStatus).toBe('AVAILABLE');
  });

  it('refuses, exit 2, a plan whose change set was deleted in between, naming it, before any read or approval, and changes nothing', { timeout: 120_000 }, async () => {
    const planFile = path.join(folder, 'withdrawn.plan.json');
    const made = await plan('withdrawn', planFile);
    expect(made.code, made.printed).toBe(0);
    const { changeSetId } = keptOf(planFile) as { changeSetId: string };
    await cloudformation.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId }));
    const before = await stack('withdrawn-compute');
    const runsBefore = runIds(stateDir);
    const mark = await recordingMark(moto.url);

    const result = await apply(planFile);
    expectNoStackTrace(result.printed);
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toContain('stale plan');
    expect(result.stderr).toContain(`stack withdrawn-compute: the reviewed change set ${changeSetId} is gone: CloudFormation no longer has it`);
    expect(result.stderr).not.toContain('applying');
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
    expect(runIds(stateDir)).toEqual(runsBefore);
    expect(await stack('withdrawn-compute')).toEqual(before);

    // nothing left to remove: discard says so, and is done
    const discarded = await discard(planFile);
    expectNoStackTrace(discarded.printed);
    expect(discarded.code, discarded.printed).toBe(0);
    expect(discarded.stdout).toBe(`step "update": already gone: change set ${changeSetId} of stack withdrawn-compute, in CloudFormation\n`);
  });

  it('discard deletes the change set a plan kept, and nothing else; again, it says already gone; apply then refuses the plan', { timeout: 120_000 }, async () => {
    const planFile = path.join(folder, 'discarded.plan.json');
    const made = await plan('discarded', planFile);
    expect(made.code, made.printed).toBe(0);
    const { changeSetId } = keptOf(planFile) as { changeSetId: string };
    expect((await changeSetsOf('discarded-compute')).map((summary) => summary.ChangeSetId)).toEqual([changeSetId]);
    const before = await stack('discarded-compute');
    const mark = await recordingMark(moto.url);

    const first = await discard(planFile);
    expectNoStackTrace(first.printed);
    expect(first.code, first.printed).toBe(0);
    expect(first.stdout).toBe(`step "update": removed change set ${changeSetId} of stack discarded-compute, in CloudFormation\n`);
    expect((await writeCallsSince(moto.url, mark)).map((call) => call.operation)).toEqual(['DeleteChangeSet']);
    expect(await changeSetsOf('discarded-compute')).toEqual([]);
    expect(await stack('discarded-compute')).toEqual(before);

    const second = await discard(planFile, '--json');
    expect(second.code, second.printed).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ discarded: [{ step: 'update', outcome: 'already gone' }] });

    const runsBefore = runIds(stateDir);
    const applied = await apply(planFile);
    expect(applied.code, applied.printed).toBe(2);
    expect(applied.stderr).toContain(`stale plan: ${planFile} was discarded`);
    expect(runIds(stateDir)).toEqual(runsBefore);
    expect(await stack('discarded-compute')).toEqual(before);
  });

  it('plan --out of a sub-runbook planned twice (its parent step retried) leaves only the change set its plan file names', { timeout: 120_000 }, async () => {
    writeFileSync(
      path.join(folder, 'count.mjs'),
      `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
export default [{
  type: 'team.count',
  description: 'Count its runs in count.txt.',
  effect: 'read',
  input: { type: 'object' },
  async run(ctx) {
    const file = path.join(ctx.runbookDir, 'count.txt');
    const count = (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0) + 1;
    writeFileSync(file, String(count));
    return { count };
  },
}];
`,
    );
    writeFileSync(
      path.join(folder, 'retried-update.yaml'),
      `apiVersion: stepwise/v1
name: retried-update
version: 1.0.0
plugins: [./count.mjs]
steps:
  - id: update
    type: aws.cloudformation.update-stack
    with: { stackName: retried-compute, templateUrl: "${templateUrl}", usePreviousParameters: true, capabilities: [CAPABILITY_IAM, CAPABILITY_NAMED_IAM] }
  - id: count
    type: team.count
    outputs: { count: count }
outputs:
  count: "\${{ steps.count.outputs.count }}"
`,
    );
    const file = path.join(folder, 'retried.yaml');
    writeFileSync(
      file,
      `apiVersion: stepwise/v1
name: retried
version: 1.0.0
steps:
  - id: child
    type: runbook
    with: { path: retried-update.yaml }
    retry: { maxAttempts: 2, interval: 10ms, until: "count > \`1\`" }
`,
    );
    const planFile = path.join(folder, 'retried.plan.json');
    const mark = await recordingMark(moto.url);
    const made = await runCli(['plan', file, '--out', planFile], { cwd: root });
    expectNoStackTrace(made.printed);
    expect(made.code, made.printed).toBe(0);
    expect((await operationsSince(mark)).filter((operation) => operation === 'CreateChangeSet'), 'planned twice').toHaveLength(2);
    const { steps } = JSON.parse(readFileSync(planFile, 'utf8')) as { steps: { id: string; writes?: { kept?: { changeSetId?: string } }[] }[] };
    const named = steps.find((step) => step.id === 'child/update')!.writes![0]!.kept!.changeSetId;
    expect((await changeSetsOf('retried-compute')).map((summary) => summary.ChangeSetId)).toEqual([named]);
    expect(made.stderr).toMatch(new RegExp(`step "child/update": discarded what an attempt of its plan kept before it was planned again: change set ${CHANGE_SET_ARN.source} of stack retried-compute`));
  });

  it('deletes the change set it kept when the plan fails after it, and writes no plan file', { timeout: 120_000 }, async () => {
    const file = path.join(folder, 'abandoned.yaml');
    writeFileSync(
      file,
      `apiVersion: stepwise/v1
name: abandoned
version: 1.0.0
steps:
  - id: update
    type: aws.cloudformation.update-stack
    with: { stackName: abandoned-compute, templateUrl: "${templateUrl}", usePreviousParameters: true, capabilities: [CAPABILITY_IAM, CAPABILITY_NAMED_IAM] }
  - id: missing
    type: aws.cloudformation.describe-stacks
    with: { stackName: no-such-stack }
`,
    );
    const planFile = path.join(folder, 'abandoned.plan.json');
    const mark = await recordingMark(moto.url);
    const made = await runCli(['plan', file, '--out', planFile], { cwd: root });
    expectNoStackTrace(made.printed);
    expect(made.code, made.printed).toBe(1);
    expect(made.stderr).toContain('no plan file written');
    expect(made.stderr).toMatch(new RegExp(`step "update": discarded what its plan kept for apply: change set ${CHANGE_SET_ARN.source} of stack abandoned-compute, in CloudFormation`));
    expect((await writeCallsSince(moto.url, mark)).map((call) => [call.operation, call.dryRun])).toEqual([
      ['CreateChangeSet', true],
      ['DeleteChangeSet', true],
    ]);
    // moto 5.2.1's ListChangeSets lists every stack's change sets, whatever StackName says
    const left = ((await cloudformation.send(new ListChangeSetsCommand({ StackName: 'abandoned-compute' }))).Summaries ?? []).filter((summary) => summary.StackName === 'abandoned-compute');
    expect(left).toEqual([]);
  });

  it('prints a Markdown page with the change set as a table, and writes the plan file too', { timeout: 120_000 }, async () => {
    const planFile = path.join(folder, 'paged.plan.json');
    const made = await plan('paged', planFile, '--format', 'markdown');
    expect(made.code, made.printed).toBe(0);
    const page = made.stdout;
    expect(page).toContain('| Action | Logical id | Type | Replacement |');
    expect(page).toMatch(/^\| Modify \| NodeLaunchTemplate \| AWS::EC2::LaunchTemplate \|.*\|$/m);
    expect(page).toMatch(/^\| Modify \| TxAutoScalingGroup \| AWS::AutoScaling::AutoScalingGroup \|.*\|$/m);
    expect(keptOf(planFile)).toMatchObject({ kind: 'change-set', changeSetId: expect.stringMatching(CHANGE_SET_ARN) });
  });

  it.each([
    // check() finds the update under way: the step is done
    ['while CloudFormation still executes it, waits for that update', 'resumed', STILL_UPDATING, [['step-started'], ['step-succeeded', 'check']]],
    // run() again: the reviewed change set was executed, so it only reports the stack
    ['once CloudFormation has executed it, finds it executed', 'finished', undefined, [['step-started'], ['step-started'], ['step-succeeded']]],
  ])('resumes an apply killed while ExecuteChangeSet was in flight: %s and executes nothing again', { timeout: 120_000 }, async (_, system, then, journal) => {
    const planFile = path.join(folder, `${system}.plan.json`);
    const made = await plan(system, planFile);
    expect(made.code, made.printed).toBe(0);
    const stackName = `${system}-compute`;
    proxy.handleUpdateStack = (name) => (name === stackName ? { forward: true, answer: false, ...(then ? { then } : {}) } : { forward: true, answer: true });
    const env = { AWS_ENDPOINT_URL: proxy.url };
    const first = startCli(['apply', planFile, '--yes', '--state-dir', stateDir], { cwd: root, env });
    await waitFor('ExecuteChangeSet to reach moto', () => proxy.calls.some((call) => call.action === 'ExecuteChangeSet' && call.stackName === stackName && call.forwarded), 60_000);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const runId = /as run (\S+)/.exec(first.output())![1]!;
    expect(updateJournal(runId).map((line) => line.type)).toEqual(['step-started']);

    const resumed = startCli(['resume', runId, '--json', '--state-dir', stateDir], { cwd: root, env });
    if (then) {
      await waitFor('the wait step to wait for the update', () => resumed.output().includes(`wait: ${stackName}: UPDATE_IN_PROGRESS, waiting for UPDATE_COMPLETE`), 60_000);
      proxy.script(stackName, undefined);
    }
    const result = await resumed.done;
    expect(result.code, result.printed).toBe(0);
    expect((JSON.parse(result.stdout) as { outputs: { topology: string } }).outputs.topology).toBe('production');
    expect(updateJournal(runId).map((line) => (line.via ? [line.type, line.via] : [line.type]))).toEqual(journal);
    if (!then) expect(result.printed).toContain('was executed already: it is not executed again');
    expect(proxy.calls.filter((call) => call.action === 'ExecuteChangeSet' && call.stackName === stackName)).toHaveLength(1);
    expect(proxy.calls.filter((call) => call.action === 'UpdateStack' && call.stackName === stackName)).toEqual([]);
    proxy.handleUpdateStack = () => ({ forward: true, answer: true });
  });
});
