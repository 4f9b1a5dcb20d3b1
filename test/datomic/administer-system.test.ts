import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { compileSchema } from '../../engine/validate/ajv.js';
import administerSystem, { DEFAULT_CLIENT_VERSION, type AdministerSystemInput } from '../../steps/datomic/administer-system.js';
import { failureOf, runbookYaml, runRunbookFile } from '../background/support/run.js';
import { fakeStepContext } from '../support/step-context.js';
import { StandInClojure } from './support/stand-in-clojure.js';

let workDir: string;
let clojure: StandInClojure;
let originalPath: string | undefined;

beforeAll(async () => {
  workDir = await realpath(await mkdtemp(path.join(tmpdir(), 'stepwise-datomic-')));
  clojure = await StandInClojure.create(workDir);
  originalPath = process.env.PATH;
  process.env.PATH = `${workDir}${path.delimiter}${originalPath ?? ''}`;
});
afterAll(async () => {
  process.env.PATH = originalPath;
  await rm(workDir, { recursive: true, force: true });
});

const INPUT: AdministerSystemInput = {
  system: 'prod',
  region: 'us-east-1',
  dbName: 'movies',
  action: 'upgrade-schema',
  endpoint: 'https://abc123.execute-api.us-east-1.amazonaws.com',
};

function run(input: Partial<AdministerSystemInput> = {}) {
  return administerSystem.run(fakeStepContext({ runbookDir: workDir }), { ...INPUT, ...input });
}

describe('datomic.administer-system with a stand-in clojure', () => {
  it('runs the Clojure CLI with -Sdeps, -M and -e as an argv, and returns the result map', async () => {
    await clojure.answer({ kind: 'result', json: '{"db-name":"movies","upgraded":true,"schema":["db/tupleType"]}' });
    const result = await run({ clientVersion: '1.0.130' });
    expect(result).toEqual({ dbName: 'movies', result: { 'db-name': 'movies', upgraded: true, schema: ['db/tupleType'] } });
    const argv = await clojure.receivedArgv();
    expect(argv.slice(0, 4)).toEqual(['-Sdeps', '{:deps {com.datomic/client-cloud {:mvn/version "1.0.130"}}}', '-M', '-e']);
    expect(argv[4]).toContain(':endpoint "https://abc123.execute-api.us-east-1.amazonaws.com"');
    expect(argv[4]).toContain('(d/administer-system client {:db-name "movies"');
  });

  it('uses the default client version', async () => {
    await clojure.answer({ kind: 'result', json: '{}' });
    await run();
    expect((await clojure.receivedArgv())[1]).toBe(`{:deps {com.datomic/client-cloud {:mvn/version "${DEFAULT_CLIENT_VERSION}"}}}`);
  });

  it('splices hostile values into the program only as escaped string literals', async () => {
    await clojure.answer({ kind: 'result', json: '{}' });
    await run({ dbName: 'x") (System/exit 0) ("\\\n', endpoint: 'https://h" :proxy-port 1 "' });
    const program = (await clojure.receivedArgv())[4]!;
    expect(program).toContain(':db-name "x\\") (System/exit 0) (\\"\\\\\\n"');
    expect(program).toContain(':endpoint "https://h\\" :proxy-port 1 \\""');
    // the only :proxy-port is the one inside the endpoint's string literal
    expect(program.split(':proxy-port')).toHaveLength(2);
  });

  it('takes the region from the runbook\'s aws settings when the step gives none', async () => {
    await clojure.answer({ kind: 'result', json: '{}' });
    const { region: _region, ...withoutRegion } = INPUT;
    await administerSystem.run(fakeStepContext({ runbookDir: workDir, settings: { aws: { region: 'ap-southeast-2' } } }), withoutRegion);
    expect((await clojure.receivedArgv())[4]).toContain(':region "ap-southeast-2"');
  });

  it("gives the client the runbook's AWS profile (aws.profile or --profile), which the plan shows", async () => {
    const saved = process.env.AWS_PROFILE;
    delete process.env.AWS_PROFILE;
    try {
      await clojure.answer({ kind: 'result', json: '{}' });
      await administerSystem.run(fakeStepContext({ runbookDir: workDir, settings: { aws: { profile: 'datomic-ops' } } }), INPUT);
      expect(await clojure.receivedAwsProfile()).toBe('datomic-ops');
      await run();
      expect(await clojure.receivedAwsProfile()).toBeNull();
      const plan = await administerSystem.plan!(fakeStepContext({ runbookDir: workDir, dryRun: true, settings: { aws: { profile: 'datomic-ops' } } }), INPUT);
      expect(typeof plan === 'string' ? plan : plan.details).toContain('command line:\nAWS_PROFILE=datomic-ops clojure -Sdeps');
    } finally {
      if (saved !== undefined) process.env.AWS_PROFILE = saved;
    }
  });

  it("with a profile, leaves out the environment's static keys, which the Java SDK would take first, and the plan says so", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMENVIRONMENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret-from-environment';
    try {
      await clojure.answer({ kind: 'result', json: '{}' });
      await administerSystem.run(fakeStepContext({ runbookDir: workDir, settings: { aws: { profile: 'datomic-ops' } } }), INPUT);
      expect(await clojure.receivedAccessKeyId()).toBeNull();
      expect(await clojure.receivedAwsProfile()).toBe('datomic-ops');
      await run();
      expect(await clojure.receivedAccessKeyId()).toBe('AKIDFROMENVIRONMENT');
      const plan = await administerSystem.plan!(fakeStepContext({ runbookDir: workDir, dryRun: true, settings: { aws: { profile: 'datomic-ops' } } }), INPUT);
      expect(typeof plan === 'string' ? plan : plan.details).toContain('command line:\nenv -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=datomic-ops clojure -Sdeps');
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses to run without a region, saying where to give one', async () => {
    const { region: _region, ...withoutRegion } = INPUT;
    const failure = await failureOf(administerSystem.run(fakeStepContext({ runbookDir: workDir }), withoutRegion));
    expect(failure).toMatchObject({ code: 'invalid-input', retryable: false });
    expect(failure.message).toContain('`aws.region`');
  });

  it('fails with a retryable anomaly:unavailable naming the category and message', async () => {
    await clojure.answer({ kind: 'anomaly', category: 'unavailable', message: 'Loading database' });
    const failure = await failureOf(run());
    expect(failure).toMatchObject({ code: 'anomaly:unavailable', retryable: true });
    expect(failure.message).toContain('anomaly unavailable: Loading database');
    expect(failure.message).toContain('"movies"');
    expect(failure.details).toContain('clojure.lang.ExceptionInfo');
  });

  it.each(['incorrect', 'forbidden', 'not-found'])('does not retry anomaly:%s', async (category) => {
    await clojure.answer({ kind: 'anomaly', category, message: `${category} says no` });
    const failure = await failureOf(run());
    expect(failure).toMatchObject({ code: `anomaly:${category}`, retryable: false });
    expect(failure.message).toContain(`${category} says no`);
  });

  it('reports an exception that is not an anomaly', async () => {
    await clojure.answer({ kind: 'error', className: 'java.lang.ClassNotFoundException', message: 'datomic.client.api' });
    const failure = await failureOf(run());
    expect(failure).toMatchObject({ code: 'clojure-error', retryable: false });
    expect(failure.message).toContain('java.lang.ClassNotFoundException: datomic.client.api');
  });

  it('refuses output that is not the program\'s, showing it', async () => {
    await clojure.answer({ kind: 'garbage' });
    const failure = await failureOf(run());
    expect(failure).toMatchObject({ code: 'unexpected-output', retryable: false });
    expect(failure.message).toContain('no line starting with STEPWISE-RESULT');
    expect(failure.details).toContain('{:db-name "movies"');
  });

  it('says how to install the Clojure CLI when clojure is missing', async () => {
    const failure = await failureOf(run({ clojure: 'no-such-clojure-stepwise' }));
    expect(failure).toMatchObject({ code: 'command-not-found', retryable: false });
    expect(failure.message).toContain('`no-such-clojure-stepwise` was not found');
    expect(failure.message).toContain('https://clojure.org/guides/install_clojure');
  });

  it('recognises a `clojure` that is not the CLI (Debian\'s package)', async () => {
    await clojure.answer({ kind: 'not-cli' });
    const failure = await failureOf(run());
    expect(failure).toMatchObject({ code: 'not-clojure-cli', retryable: false });
    expect(failure.message).toContain('is not the Clojure CLI');
  });

  it('stops the program at its timeout', async () => {
    await clojure.answer({ kind: 'hang' });
    const failure = await failureOf(run({ timeout: '1s' }));
    expect(failure).toMatchObject({ code: 'timeout', retryable: true });
    expect(failure.message).toContain('did not finish within 1s');
  });
});

describe('datomic.administer-system in a run', () => {
  it('plans the exact program and command line in a dry-run, running nothing', async () => {
    await clojure.answer({ kind: 'hang' });
    const { result, reporter } = await runRunbookFile(
      workDir,
      runbookYaml([{ id: 'upgrade', type: 'datomic.administer-system', with: { system: 'legacy', region: 'us-west-2', dbName: "o'brien", action: 'upgrade-schema', proxyPort: 8182 } }]),
      { dryRun: true },
    );
    expect(result.status).toBe('planned');
    const planned = reporter.events.find((event) => event.type === 'step-planned') as { plan: { summary: string; details: string } };
    expect(planned.plan.summary).toBe(
      'would upgrade-schema database "o\'brien" of Datomic system "legacy" (us-west-2) through the SOCKS proxy on port 8182 (http://entry.legacy.us-west-2.datomic.net:8182/)',
    );
    expect(planned.plan.details).toContain(':proxy-port 8182}');
    expect(planned.plan.details).toContain(
      `command line:\nclojure -Sdeps '{:deps {com.datomic/client-cloud {:mvn/version "${DEFAULT_CLIENT_VERSION}"}}}' -M -e '(require '\\''[datomic.client.api :as d])`,
    );
  });

  it('runs once per database with forEach and exposes the result to outputs', async () => {
    await clojure.answer({ kind: 'result', json: '{"upgraded":true}' });
    const { result } = await runRunbookFile(
      workDir,
      [
        'apiVersion: stepwise/v1',
        'name: upgrade',
        'version: 1.0.0',
        'params:',
        '  databases: { type: array, default: [movies, inventory] }',
        'aws: { region: eu-central-1 }',
        'steps:',
        '  - id: upgrade',
        '    type: datomic.administer-system',
        '    forEach: "${{ params.databases }}"',
        '    with: { system: prod, dbName: "${{ item }}", action: upgrade-schema, endpoint: "https://x.example" }',
        '    outputs: { db: dbName, upgraded: result.upgraded }',
        '',
      ].join('\n'),
      { params: { databases: ['movies', 'inventory'] } },
    );
    expect(result.status).toBe('succeeded');
    expect(result.steps[0]!.outputs).toEqual([
      { db: 'movies', upgraded: true },
      { db: 'inventory', upgraded: true },
    ]);
  });
});

describe('datomic.administer-system input schema', () => {
  const validate = compileSchema(administerSystem.input);
  it('compiles under the strict mode of ajv', () => {
    const strict = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    expect(() => strict.compile(administerSystem.input)).not.toThrow();
  });
  const base = { system: 'prod', dbName: 'movies', action: 'upgrade-schema' };
  it.each([
    [{ ...base, endpoint: 'https://x.example' }, true],
    [{ ...base, proxyPort: 8182, region: 'us-east-1', clientVersion: '1.0.130', clojure: '/opt/clojure/bin/clojure', timeout: '5m' }, true],
    [{ ...base }, false],
    [{ ...base, endpoint: 'https://x.example', proxyPort: 8182 }, false],
    [{ ...base, endpoint: 'https://x.example', action: 'delete-database' }, false],
    [{ ...base, endpoint: 'ftp://x' }, false],
    [{ ...base, proxyPort: 0 }, false],
    [{ ...base, proxyPort: 8182, system: 'bad name' }, false],
    [{ ...base, proxyPort: 8182, region: 'Mars' }, false],
    [{ ...base, proxyPort: 8182, clientVersion: 'latest' }, false],
  ])('%j is valid: %s', (input, valid) => {
    expect(validate(structuredClone(input)), JSON.stringify(validate.errors)).toBe(valid);
  });
});
