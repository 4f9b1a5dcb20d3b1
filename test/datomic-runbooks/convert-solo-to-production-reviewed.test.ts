/**
 * convert-solo-to-production as a team reviews it, against moto, run by the CLI: `plan --out`
 * keeps CloudFormation's change set, `apply` executes exactly that change set, and a plan whose
 * stack was updated in between is refused as stale with nothing changed.
 */
import { CloudFormationClient, DescribeChangeSetCommand, DescribeStacksCommand, UpdateStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { JsonObject } from '../../engine/json.js';
import { expectNoStackTrace, readJournalLines, runCli, runIds, type CliResult } from '../support/cli.js';
import { recordedCalls, recordingMark, writeCallsSince, type RecordingMark } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedDatomicSystems } from '../support/seed-datomic.js';

const root = path.resolve(import.meta.dirname, '../..');
const runbook = path.join(root, 'runbooks/datomic/convert-solo-to-production.yaml');
const folder = mkdtempSync(path.join(tmpdir(), 'stepwise-reviewed-convert-'));
const stateDir = path.join(folder, 'state');
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const CHANGE_SET_ARN = /arn:aws:cloudformation:us-east-1:\d+:changeSet\/stepwise-apply-[0-9a-f]{12}\/[-0-9a-f]+/;

const moto = useMoto();
let templateUrl: string;
let cloudformation: CloudFormationClient;

function plan(system: string, out: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['plan', runbook, '-p', `system=${system}`, '-p', `templateUrl=${templateUrl}`, '-p', 'pollInterval=200ms', '--out', out, ...extra], { cwd: root });
}

function apply(planFile: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['apply', planFile, '--yes', '--state-dir', stateDir, ...extra], { cwd: root });
}

async function stack(name: string): Promise<Stack> {
  return (await cloudformation.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
}

/** What the plan file kept for the update step: the change set's ARN among it. */
function keptOf(planFile: string): JsonObject {
  const { steps } = JSON.parse(readFileSync(planFile, 'utf8')) as { steps: { id: string; writes?: { kept?: JsonObject }[] }[] };
  return steps.find((step) => step.id === 'update')!.writes![0]!.kept!;
}

async function operationsSince(mark: RecordingMark): Promise<string[]> {
  return (await recordedCalls(moto.url)).slice(mark.count).map((call) => call.operation);
}

describeMoto('convert-solo-to-production, planned with --out and applied', () => {
  beforeAll(async () => {
    const [seeded] = await seedDatomicSystems(
      moto.url,
      ['reviewed', 'overtaken', 'paged'].map((system) => ({ system, topology: 'solo' as const, version: '781-9041' })),
      { concurrency: 1 },
    );
    templateUrl = seeded!.templateUrls['production-compute'];
    cloudformation = new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  }, 180_000);

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
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
    expect(runIds(stateDir)).toEqual(runsBefore);
    expect(await stack('overtaken-compute')).toEqual(before);
    const changeSet = await cloudformation.send(new DescribeChangeSetCommand({ ChangeSetName: kept.changeSetId as string }));
    expect(changeSet.ExecutionStatus).toBe('AVAILABLE');
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
});
