import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, ListBucketsCommand, PutBucketTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import type { TestProject } from 'vitest/node';
import motoGlobalSetup from '../support/moto-global-setup.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { awsClient } from '../../steps/aws/client.js';
import { dryRunChangeSetsLeft, findMotoServer, recordedCalls, recordingMark, resetMoto, spawnWatchdog, startMoto, writeCallsSince } from '../support/moto.js';
import { fakeStepContext } from '../support/step-context.js';
import { describeMoto, useMoto } from '../support/moto-env.js';

const moto = useMoto();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/moto-api/`)).ok;
  } catch {
    return false;
  }
}

it('finds moto_server on the PATH, or says it is not there', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'stepwise-path-'));
  try {
    expect(await findMotoServer(folder)).toBeUndefined();
    await writeFile(join(folder, 'moto_server'), '#!/bin/sh\n');
    await chmod(join(folder, 'moto_server'), 0o755);
    expect(await findMotoServer(`/nonexistent:${folder}`)).toBe(join(folder, 'moto_server'));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

it('fails the run without moto_server when CI is set, and skips the moto tests visibly otherwise', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'stepwise-no-moto-'));
  const saved = { PATH: process.env.PATH, CI: process.env.CI };
  const provided = new Map<string, unknown>();
  const project = { provide: (key: string, value: unknown) => provided.set(key, value) } as unknown as TestProject;
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    process.env.PATH = folder;
    process.env.CI = 'true';
    await expect(motoGlobalSetup(project)).rejects.toThrow("moto_server not found: pip install 'moto[server]'");
    delete process.env.CI;
    const teardown = await motoGlobalSetup(project);
    expect(provided.get('motoUrl')).toBeNull();
    expect(provided.get('motoSkipReason')).toBe("moto_server not found: pip install 'moto[server]'; the tests that need moto are skipped");
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('the tests that need moto are skipped'));
    await teardown();
  } finally {
    warn.mockRestore();
    process.env.PATH = saved.PATH;
    if (saved.CI === undefined) delete process.env.CI;
    else process.env.CI = saved.CI;
    await rm(folder, { recursive: true, force: true });
  }
});

it('reports a server that cannot start, or exits at once with what it printed', async () => {
  await expect(startMoto({ command: '/nonexistent/moto_server' })).rejects.toThrow('/nonexistent/moto_server could not be started: spawn /nonexistent/moto_server ENOENT');
  const folder = await mkdtemp(join(tmpdir(), 'stepwise-failing-moto-'));
  try {
    const failing = join(folder, 'moto_server');
    await writeFile(failing, '#!/bin/sh\necho "cannot load moto: no module named werkzeug" >&2\nexit 3\n');
    await chmod(failing, 0o755);
    await expect(startMoto({ command: failing })).rejects.toThrow(/exited with code 3 before answering on http:\/\/127\.0\.0\.1:\d+: cannot load moto: no module named werkzeug$/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

it("kills moto's process group and removes its folder once this process's end of the watchdog's pipe closes", async () => {
  const folder = await mkdtemp(join(tmpdir(), 'stepwise-watched-'));
  const standIn = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  const standInGone = new Promise((resolve) => standIn.once('exit', resolve));
  const watchdog = spawnWatchdog(standIn.pid!, folder);
  const watchdogGone = new Promise((resolve) => watchdog.once('exit', resolve));
  try {
    expect(isAlive(standIn.pid!)).toBe(true);
    watchdog.stdin!.end(); // what the kernel does when this process dies
    await Promise.all([standInGone, watchdogGone]);
    expect(standIn.signalCode).toBe('SIGKILL');
    expect(existsSync(folder)).toBe(false);
  } finally {
    standIn.kill('SIGKILL');
    watchdog.kill('SIGKILL');
    await rm(folder, { recursive: true, force: true });
  }
});

describeMoto('the moto test bed', () => {
  it('starts a moto of its own on a free loopback port, and stops its whole process group', async () => {
    const own = await startMoto();
    expect(own.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(own.url).not.toBe(moto.url);
    expect(await answers(own.url)).toBe(true);
    await own.stop();
    expect(isAlive(own.pid)).toBe(false);
    expect(() => process.kill(-own.pid, 0)).toThrow();
    expect(await answers(own.url)).toBe(false);
    await own.stop();
  });

  it('forgets everything on reset', async () => {
    const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'forgotten' }));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name)).toEqual(['forgotten']);
    await resetMoto(moto.url);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  });

  it('lists the write calls recorded after a mark, with their service and region, and no reads', async () => {
    const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true });
    const cloudformation = new CloudFormationClient({ endpoint: moto.url, region: 'eu-west-1' });
    await s3.send(new CreateBucketCommand({ Bucket: 'before-the-mark' }));
    const mark = await recordingMark(moto.url);

    await s3.send(new CreateBucketCommand({ Bucket: 'recorded' }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'recorded', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    await s3.send(new ListBucketsCommand({}));
    const template = JSON.stringify({ Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });
    await cloudformation.send(new CreateStackCommand({ StackName: 'recorded', TemplateBody: template }));
    await cloudformation.send(new DescribeStacksCommand({ StackName: 'recorded' }));

    const writes = await writeCallsSince(moto.url, mark);
    expect(writes.map((call) => [call.service, call.region, call.method, call.operation])).toEqual([
      ['s3', 'us-east-1', 'PUT', 'PUT /recorded/'],
      ['s3', 'us-east-1', 'PUT', 'PUT /recorded/?tagging='],
      ['cloudformation', 'eu-west-1', 'POST', 'CreateStack'],
    ]);
    const all = (await recordedCalls(moto.url)).slice(mark.count).map((call) => call.operation);
    expect(all).toEqual(expect.arrayContaining(['ListBuckets', 'DescribeStacks']));
  });

  // moto 5.2.1 appends requests to its recording without a lock; test/support/moto-fixes/sitecustomize.py adds one
  it('records large requests sent at once one whole line each', async () => {
    const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'large-at-once' }));
    const mark = await recordingMark(moto.url);
    const keys = Array.from({ length: 24 }, (_, index) => `object-${index}`);
    await Promise.all(keys.map((key, index) => s3.send(new PutObjectCommand({ Bucket: 'large-at-once', Key: key, Body: String(index % 10).repeat(256 * 1024) }))));

    const writes = await writeCallsSince(moto.url, mark);
    expect(writes.map((call) => call.operation)).toEqual(keys.map(() => 'PutObject'));
  });

  // moto 5.2.1 leaves the old Outputs after ExecuteChangeSet; test/support/moto-fixes/sitecustomize.py fixes it
  it('rebuilds the Outputs and parameters of a stack updated by a change set, as UpdateStack does and CloudFormation would', async () => {
    const cloudformation = new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1' });
    const template = (topology: string, extra: boolean) =>
      JSON.stringify({
        Parameters: { Size: { Type: 'String' }, ...(extra ? { Nodes: { Type: 'String' } } : {}) },
        Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' }, ...(extra ? { Second: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } : {}) },
        Outputs: { Topology: { Value: topology }, Size: { Value: { Ref: 'Size' } }, ...(extra ? { Nodes: { Value: { Ref: 'Nodes' } } } : {}) },
      });
    const outputsOf = async (stackName: string) =>
      Object.fromEntries(((await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
    const update = { TemplateBody: template('production', true), Parameters: [{ ParameterKey: 'Size', ParameterValue: 'large' }, { ParameterKey: 'Nodes', ParameterValue: '2' }] };

    for (const name of ['by-change-set', 'by-update-stack']) {
      await cloudformation.send(new CreateStackCommand({ StackName: name, TemplateBody: template('solo', false), Parameters: [{ ParameterKey: 'Size', ParameterValue: 'small' }] }));
      expect(await outputsOf(name)).toEqual({ Topology: 'solo', Size: 'small' });
    }
    const { Id } = await cloudformation.send(new CreateChangeSetCommand({ StackName: 'by-change-set', ChangeSetName: 'conversion', ChangeSetType: 'UPDATE', ...update }));
    await cloudformation.send(new ExecuteChangeSetCommand({ ChangeSetName: Id }));
    await cloudformation.send(new UpdateStackCommand({ StackName: 'by-update-stack', ...update }));

    for (const name of ['by-change-set', 'by-update-stack']) {
      expect(await outputsOf(name)).toEqual({ Topology: 'production', Size: 'large', Nodes: '2' });
      // UsePreviousValue reads the parameters the stack keeps
      const keep = [{ ParameterKey: 'Size', UsePreviousValue: true }, { ParameterKey: 'Nodes', UsePreviousValue: true }];
      await cloudformation.send(new UpdateStackCommand({ StackName: name, TemplateBody: template('scaled', true), Parameters: keep }));
      expect(await outputsOf(name)).toEqual({ Topology: 'scaled', Size: 'large', Nodes: '2' });
    }
  });

  it("names the change sets dry-runs left, the previews apart from the ones plan --out keeps for apply, whether deleted by ARN or by name", async () => {
    const template = JSON.stringify({ Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });
    await new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1' }).send(new CreateStackCommand({ StackName: 'previewed', TemplateBody: template }));
    const { client } = await awsClient(fakeStepContext({ dryRun: true }), 'cloudformation', { previewsWithChangeSets: true });
    const changed = JSON.stringify({ Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' }, Other: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });
    const create = (name: string) => client.send(new CreateChangeSetCommand({ StackName: 'previewed', ChangeSetName: name, ChangeSetType: 'UPDATE', TemplateBody: changed }));
    const deletedByArn = await create('stepwise-plan-0a0a0a0a0a0a');
    await create('stepwise-apply-0b0b0b0b0b0b');
    await create('stepwise-plan-0c0c0c0c0c0c');
    await client.send(new DeleteChangeSetCommand({ ChangeSetName: deletedByArn.Id }));
    expect(await dryRunChangeSetsLeft(moto.url)).toEqual({ previews: ['stepwise-plan-0c0c0c0c0c0c'], kept: ['stepwise-apply-0b0b0b0b0b0b'] });
    await client.send(new DeleteChangeSetCommand({ ChangeSetName: 'stepwise-plan-0c0c0c0c0c0c', StackName: 'previewed' }));
    expect(await dryRunChangeSetsLeft(moto.url)).toEqual({ previews: [], kept: ['stepwise-apply-0b0b0b0b0b0b'] });
  });
});
