/**
 * upgrade-schema against systems seeded in moto, run by the CLI, with a stand-in `clojure`
 * on PATH that checks the command line each database's call gets and answers as the
 * generated program does with the real client.
 */
import { CloudFormationClient, DescribeStacksCommand, UpdateStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readJournalLines, runCli, type CliResult } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { datomicTemplateUrl, renderDatomicTemplate, seedDatomicSystem, uploadDatomicTemplates } from '../support/seed-datomic.js';
import { AdministerSystemClojure, type AdministerCall } from '../support/administer-system-clojure.js';

const root = path.resolve(import.meta.dirname, '../..');
const runbook = path.join(root, 'runbooks/datomic/upgrade-schema.yaml');
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
/** The runbook's own default: the tests check that it reaches the command line. */
const CLIENT_VERSION = '1.0.137';

interface RunJson {
  runId: string;
  outputs: {
    system: string;
    computeGroups: { name: string; version: string; endpoint: string | null }[];
    upgraded: { dbName: string; result: Record<string, unknown> }[];
  };
}

const moto = useMoto();
let workDir: string;
let clojure: AdministerSystemClojure;
let stateDir: string;

function cloudformation(): CloudFormationClient {
  return new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
}

async function stack(name: string): Promise<Stack> {
  const client = cloudformation();
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: name }));
  client.destroy();
  return Stacks![0]!;
}

function outputOf(stackDescription: Stack, key: string): string | undefined {
  return stackDescription.Outputs?.find((output) => output.OutputKey === key)?.OutputValue;
}

/** Updates a seeded stack in place, every parameter kept, as an operator's upgrade or downgrade would. */
async function updateInPlace(stackName: string, template: { url: string } | { body: string }): Promise<void> {
  const client = cloudformation();
  const current = await stack(stackName);
  await client.send(
    new UpdateStackCommand({
      StackName: stackName,
      ...('url' in template ? { TemplateURL: template.url } : { TemplateBody: template.body }),
      Parameters: current.Parameters!.map((parameter) => ({ ParameterKey: parameter.ParameterKey, UsePreviousValue: true })),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  client.destroy();
}

function upgrade(system: string, databases: string[], ...extra: string[]): Promise<CliResult> {
  return runCli(['run', runbook, '--yes', '--json', '--state-dir', stateDir, '-p', `system=${system}`, '-p', `databases=[${databases.join(', ')}]`, ...extra], {
    cwd: root,
    env: { PATH: `${workDir}${path.delimiter}${process.env.PATH ?? ''}` },
  });
}

/** The step (and item) that failed the run, and why, as the journal has it; the operator saw the same reason, without a stack trace. */
function failureOf(result: CliResult): { stepId: string; item?: number; message: string } {
  expect(result.code, result.printed).toBe(1);
  expect(result.printed).not.toMatch(STACK_TRACE);
  const runId = / · run (\S+)/.exec(result.printed)![1]!;
  const failed = readJournalLines(stateDir, runId).filter((line) => line.type === 'step-failed').at(-1)!;
  expect(result.printed).toContain(failed.error!.message);
  return { stepId: failed.stepId!, ...(failed.item === undefined ? {} : { item: failed.item }), message: failed.error!.message };
}

function cloudCall(system: string, endpoint: string, dbName: string): AdministerCall {
  return { clientVersion: CLIENT_VERSION, client: { serverType: ':cloud', region: 'us-east-1', system, endpoint }, dbName, action: 'upgrade-schema' };
}

describeMoto('upgrade-schema against moto', () => {
  let catalogEndpoint: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'stepwise-upgrade-schema-'));
    stateDir = path.join(workDir, 'state');
    clojure = await AdministerSystemClojure.create(workDir);
    await seedDatomicSystem(moto.url, { system: 'catalog', topology: 'production', version: '973-9132', queryGroups: 1 });
    await seedDatomicSystem(moto.url, { system: 'aging', topology: 'production', version: '973-9132', queryGroups: 2 });
    await uploadDatomicTemplates(moto.url, '470-8654.1');
    await updateInPlace('aging-query-group-2', { url: datomicTemplateUrl('query-group', '470-8654.1') });
    await seedDatomicSystem(moto.url, { system: 'hidden', topology: 'solo', version: '781-9041' });
    const withoutEndpoint = await renderDatomicTemplate('solo-compute', '781-9041');
    delete withoutEndpoint.Outputs.ClientApiGatewayEndpoint;
    await updateInPlace('hidden-compute', { body: JSON.stringify(withoutEndpoint) });
    catalogEndpoint = outputOf(await stack('catalog-compute'), 'ClientApiGatewayEndpoint')!;
  }, 180_000);

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('plans each database with its exact command line, the program once and on one line', async () => {
    const result = await runCli(['plan', runbook, '-p', 'system=catalog', '-p', 'databases=[movies, inventory]'], { cwd: root });
    expect(result.code, result.printed).toBe(0);
    expect(result.stdout.split('[datomic.client.api :as d])')).toHaveLength(3);
    const commandLines = result.stdout.split('\n').filter((line) => line.includes(' -M -e '));
    expect(commandLines).toHaveLength(2);
    expect(commandLines[0]).toContain(':db-name "movies"');
    expect(commandLines[1]).toContain(':db-name "inventory"');
    expect(result.stdout.split('\n').length, result.stdout).toBeLessThan(40);
    expect(await clojure.calls()).toEqual([]);
  });

  it('refuses while a compute group runs a release older than 480-8770, naming that group only, before any call', async () => {
    await clojure.answer({ movies: { kind: 'result', result: {} } });
    const failure = failureOf(await upgrade('aging', ['movies']));
    expect(failure.stepId).toBe('versions');
    expect(failure.message).toBe('every compute group, primary and query, must run 480-8770 or later before the base schema is upgraded; upgrade these first: aging-query-group-2 at 470-8654.1');
    expect(await clojure.calls()).toEqual([]);
  });

  it('upgrades each database of the databases parameter once every group is new enough, recording each returned map', async () => {
    await clojure.answer({
      movies: { kind: 'result', result: { 'db-name': 'movies', 'base-schema': 'upgraded' } },
      inventory: { kind: 'result', result: { 'db-name': 'inventory', 'base-schema': 'upgraded' } },
    });
    const result = await upgrade('catalog', ['movies', 'inventory']);
    expect(result.code, result.printed).toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.outputs.computeGroups.map((group) => [group.name, group.version])).toEqual([
      ['catalog-compute', '973-9132'],
      ['catalog-query-group-1', '973-9132'],
    ]);
    expect(run.outputs.upgraded).toEqual([
      { dbName: 'movies', result: { 'db-name': 'movies', 'base-schema': 'upgraded' } },
      { dbName: 'inventory', result: { 'db-name': 'inventory', 'base-schema': 'upgraded' } },
    ]);
    expect(await clojure.calls()).toEqual([cloudCall('catalog', catalogEndpoint, 'movies'), cloudCall('catalog', catalogEndpoint, 'inventory')]);
  });

  it('fails with the anomaly the client returned, naming the database, after upgrading the ones before it', async () => {
    await clojure.answer({
      movies: { kind: 'result', result: { 'db-name': 'movies' } },
      archive: { kind: 'anomaly', category: 'not-found', message: 'Db not found: archive' },
    });
    const result = await upgrade('catalog', ['movies', 'archive']);
    expect(failureOf(result)).toEqual({ stepId: 'upgrade', item: 1, message: 'administer-system upgrade-schema of database "archive" failed: anomaly not-found: Db not found: archive' });
    // not-found is no anomaly worth another try: one call per database
    expect((await clojure.calls()).map((call) => call.dbName)).toEqual(['movies', 'archive']);
    const runId = / · run (\S+)/.exec(result.printed)![1]!;
    const outcomes = readJournalLines(stateDir, runId).filter((line) => line.stepId === 'upgrade' && (line.type === 'step-succeeded' || line.type === 'step-failed'));
    expect(outcomes.map((line) => [line.type, line.item])).toEqual([['step-succeeded', 0], ['step-failed', 1]]);
  });

  it('asks for the proxy port of a system without a client endpoint, and goes through that proxy when given one', async () => {
    await clojure.answer({ movies: { kind: 'result', result: { 'db-name': 'movies' } } });
    const failure = failureOf(await upgrade('hidden', ['movies']));
    expect(failure.stepId).toBe('reachable');
    expect(failure.message).toContain('compute stack hidden-compute has no ClientApiGatewayEndpoint output');
    expect(failure.message).toContain('-p proxyPort=8182');
    expect(await clojure.calls()).toEqual([]);

    const result = await upgrade('hidden', ['movies'], '-p', 'proxyPort=8182');
    expect(result.code, result.printed).toBe(0);
    expect(await clojure.calls()).toEqual([
      { ...cloudCall('hidden', 'http://entry.hidden.us-east-1.datomic.net:8182/', 'movies'), client: { serverType: ':cloud', region: 'us-east-1', system: 'hidden', endpoint: 'http://entry.hidden.us-east-1.datomic.net:8182/', proxyPort: 8182 } },
    ]);
  });
});
