import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { recordingMark, writeCallsSince } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedCodeBucket, seedDatomicSystem, type SeededSystem } from '../support/seed-datomic.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/engine/cli.js');
const runbook = path.join(root, 'runbooks/datomic/discover-system.yaml');
const stateDir = mkdtempSync(path.join(tmpdir(), 'stepwise-discover-'));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json?: { status: string; outputs: Outputs };
}

interface Outputs {
  systems: { name: string; computeGroups: string[]; runningNodes: number }[];
  codeBucket: string | null;
  report: Report | null;
}

interface Report {
  system: string;
  region: string;
  storage: { stack: string; status: string; version: string; outputs: Record<string, string> };
  bucket: string;
  computeGroups: {
    name: string;
    kind: string;
    status: string;
    application: string;
    version: string;
    production: boolean;
    instanceType: string;
    clientApiEndpoint: string;
    ionApiEndpoint: string;
    codeDeployApplication: string;
    outputs: Record<string, string>;
  }[];
  topology: string;
  nodes: { id: string; system: string; group: string; instanceType: string; state: string; privateIp: string; launched: string }[];
  codeBucket: string;
}

async function stepwise(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: process.env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr, json: args.includes('--json') ? JSON.parse(stdout) : undefined };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** `name=value` items are params; anything else (such as `--region`) passes as is. */
function discover(...args: string[]): Promise<Result> {
  return stepwise('run', runbook, '--json', '--state-dir', stateDir, ...args.flatMap((arg) => (arg.includes('=') ? ['-p', arg] : [arg])));
}

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run('aws', [...args, '--region', 'us-east-1', '--endpoint-url', process.env.AWS_ENDPOINT_URL!], { env: process.env });
  return stdout;
}

const moto = useMoto();

describeMoto('discover-system in an empty region', () => {
  it('finds no system and no code bucket, and says so without failing', async () => {
    const result = await discover();
    expect(result.code).toBe(0);
    expect(result.json!.outputs).toEqual({ systems: [], codeBucket: null, report: null });
  });

  it('refuses an unknown system name, listing the systems there are', async () => {
    const result = await discover('system=nosuch');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('there is no Datomic system named nosuch in us-east-1; the systems there: none');
  });
});

describeMoto('discover-system against seeded systems', () => {
  let solo: SeededSystem;
  let production: SeededSystem;
  let codeBucket: string;
  let listing: Outputs;
  let orders: Outputs;

  beforeAll(async () => {
    solo = await seedDatomicSystem(moto.url, { system: 'inventory', topology: 'solo', version: '781-9041' });
    production = await seedDatomicSystem(moto.url, { system: 'orders', topology: 'production', version: '973-9132', queryGroups: 2, computeStackName: 'orders-primary' });
    codeBucket = (await seedCodeBucket(moto.url, { region: 'us-east-1' })).bucketName;
    const [all, ordersOnly] = await Promise.all([discover(), discover('system=orders')]);
    listing = all.json!.outputs;
    orders = ordersOnly.json!.outputs;
  }, 180_000);

  it('lists every system with its compute groups and running nodes', () => {
    expect(listing.systems).toEqual([
      { name: 'inventory', computeGroups: ['inventory-compute'], runningNodes: 1 },
      { name: 'orders', computeGroups: ['orders-primary', ...production.queryGroupStackNames].sort(), runningNodes: 4 },
    ]);
    expect(listing.codeBucket).toBe(codeBucket);
    expect(listing.report).toBeNull();
  });

  it('reports a Solo system field by field', { timeout: 120_000 }, async () => {
    const { json } = await discover('system=inventory');
    const report = json!.outputs.report!;
    expect(report.system).toBe('inventory');
    expect(report.region).toBe('us-east-1');
    expect(report.storage.stack).toBe(solo.storageStackName);
    expect(report.storage.status).toBe('CREATE_COMPLETE');
    expect(report.storage.version).toBe('781');
    expect(report.bucket).toBe(report.storage.outputs.S3DatomicArn!.replace('arn:aws:s3:::', ''));
    expect(report.topology).toBe('solo');
    expect(report.codeBucket).toBe(codeBucket);
    expect(report.computeGroups).toHaveLength(1);
    const [group] = report.computeGroups;
    expect(group).toMatchObject({ name: 'inventory-compute', kind: 'primary', application: 'inventory', version: '781-9041', production: false, instanceType: 't2.small' });
    expect(group!.clientApiEndpoint).toMatch(/^https:\/\//);
    expect(group!.outputs.ClientApiGatewayEndpoint).toBe(group!.clientApiEndpoint);
    expect(group).toMatchObject({ status: 'CREATE_COMPLETE', ionApiEndpoint: group!.outputs.IonApiGatewayEndpoint, codeDeployApplication: group!.outputs.CodeDeployApplicationName });
    expect(group!.codeDeployApplication).toEqual(expect.any(String));
    expect(report.storage.outputs).toHaveProperty('S3DatomicArn');
    expect(Object.keys(report.storage.outputs).length).toBeGreaterThan(1);
    expect(report.nodes).toHaveLength(1);
    expect(report.nodes[0]).toMatchObject({ system: 'inventory', group: 'inventory-compute', instanceType: 't2.small', state: 'running' });
    expect(report.nodes[0]!.id).toMatch(/^i-[0-9a-f]+$/);
    expect(report.nodes[0]!.privateIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(Number.isNaN(Date.parse(report.nodes[0]!.launched))).toBe(false);
  });

  it('refuses an unknown system name, listing the systems there are', async () => {
    const result = await discover('system=inventroy');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('there is no Datomic system named inventroy in us-east-1; the systems there: inventory, orders');
  });

  it('reports a Production system with query groups, the primary group found by its SystemName whatever its name', () => {
    const report = orders.report!;
    expect(report.topology).toBe('production');
    // the primary group first; query groups made in the same moment come in either order
    const [primary, ...queries] = report.computeGroups.map((g) => [g.name, g.kind, g.version]);
    expect(primary).toEqual(['orders-primary', 'primary', '973-9132']);
    expect(queries.sort()).toEqual([...production.queryGroupStackNames].sort().map((name) => [name, 'query', '973-9132']));
    expect(report.computeGroups[0]!.outputs).toHaveProperty('DatomicProductionCompute');
    expect(report.nodes.filter((n) => n.group === 'orders-primary')).toHaveLength(2);
    expect(new Set(report.nodes.map((n) => n.system))).toEqual(new Set(['orders']));
  });

  it('answers as the how-to\'s own aws CLI commands do', async () => {
    const report = orders.report!;
    const nodeSystems = (await aws('ec2', 'describe-instances', '--filters', 'Name=tag-key,Values=datomic:tx-group', 'Name=instance-state-name,Values=running',
      '--query', 'Reservations[*].Instances[*].[Tags[?Key==`datomic:system`].Value]', '--output', 'text')).split(/\s+/).filter(Boolean).sort();
    expect(nodeSystems).toEqual(listing.systems.flatMap((s) => Array(s.runningNodes).fill(s.name)).sort());
    const storage = JSON.parse(await aws('cloudformation', 'describe-stacks', '--stack-name', 'orders')) as { Stacks: { Outputs: { OutputKey: string; OutputValue: string }[] }[] };
    const cliOutputs = Object.fromEntries(storage.Stacks[0]!.Outputs.map((o) => [o.OutputKey, o.OutputValue]));
    expect(report.storage.outputs).toEqual(cliOutputs);
    expect(report.bucket).toBe(cliOutputs.S3DatomicArn!.split(':').at(-1));
    const primary = JSON.parse(await aws('cloudformation', 'describe-stacks', '--stack-name', 'orders-primary')) as { Stacks: { Outputs: { OutputKey: string; OutputValue: string }[]; Parameters: { ParameterKey: string; ParameterValue: string }[] }[] };
    expect(report.computeGroups[0]!.outputs).toEqual(Object.fromEntries(primary.Stacks[0]!.Outputs.map((o) => [o.OutputKey, o.OutputValue])));
    expect(report.computeGroups[0]!.application).toBe(primary.Stacks[0]!.Parameters.find((p) => p.ParameterKey === 'ApplicationName')!.ParameterValue);
    const storageStacks = JSON.parse(await aws('cloudformation', 'describe-stacks', '--query', "Stacks[?Outputs[?OutputKey=='S3DatomicArn']].StackName")) as string[];
    expect(listing.systems.map((s) => s.name)).toEqual(storageStacks.sort());
  }, 120_000);

  it('computes the same report in a dry-run, and no write call reaches AWS', async () => {
    const mark = await recordingMark(moto.url);
    const plan = await stepwise('plan', runbook, '--json', '-p', 'system=orders');
    expect(plan.code).toBe(0);
    expect(plan.json!.status).toBe('planned');
    expect(plan.json!.outputs).toEqual(orders);
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  }, 120_000);
});

describeMoto('discover-system under --region', () => {
  beforeAll(async () => {
    await seedDatomicSystem(moto.url, { system: 'billing', region: 'eu-west-1', topology: 'solo', version: '781-9041' });
  }, 180_000);

  it('reports the region it queried, not the region param\'s default', async () => {
    const result = await discover('system=billing', '--region', 'eu-west-1');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json!.outputs.report).toMatchObject({ system: 'billing', region: 'eu-west-1', storage: { stack: 'billing' } });
  });

  it('names the region it queried when the system is not there', async () => {
    const result = await discover('system=nosuch', '--region', 'eu-west-1');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('there is no Datomic system named nosuch in eu-west-1; the systems there: billing');
  });
});
