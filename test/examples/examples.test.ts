import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { REPO, expectNoStackTrace, runCli, workspace, type CliResult, type Workspace, runIds } from '../support/cli.js';

/**
 * Every runbook of runbooks/examples/ that runs on any machine with Node and a POSIX shell:
 * it validates, its plan changes nothing, and `run --yes` succeeds with the outputs it
 * promises. delete-ion-lambdas/ (which needs ion-dev) has its own test in test/authoring/.
 */

const EXAMPLES = path.join(REPO, 'runbooks/examples');
const SLOW = 120_000;

interface StepReport {
  id: string;
  status: string;
}

/** What `run --json` and `plan --json` print. */
interface RunReport {
  runId: string;
  status: string;
  outputs: Record<string, unknown> | null;
  steps: StepReport[];
  failure?: { stepId: string; code: string; message: string };
}

interface ExampleRun {
  params: Record<string, string>;
  env?: Record<string, string>;
  /** Files outside the workspace that the runbook writes. */
  writesOutside?: string[];
  expectPlan(plan: RunReport, cli: CliResult): void;
  expectRun(run: RunReport, cli: CliResult): void | Promise<void>;
}

interface Example {
  file: string;
  arrange(space: Workspace): Promise<ExampleRun>;
}

function paramArgs(params: Record<string, string>): string[] {
  return Object.entries(params).flatMap(([name, value]) => ['-p', `${name}=${value}`]);
}

function parseReport(cli: CliResult): RunReport {
  expectNoStackTrace(cli.stderr);
  try {
    return JSON.parse(cli.stdout) as RunReport;
  } catch {
    throw new Error(`the CLI did not print one JSON document (exit ${String(cli.code)}):\n${cli.stdout}\n${cli.stderr}`);
  }
}

async function stepwise(space: Workspace, args: readonly string[], env?: Record<string, string>): Promise<{ cli: CliResult; report: RunReport }> {
  const cli = await runCli([...args, '--json', '--state-dir', space.stateDir], { cwd: space.dir, env });
  return { cli, report: parseReport(cli) };
}

function stepStatuses(report: RunReport): Record<string, string> {
  return Object.fromEntries(report.steps.map((step) => [step.id, step.status]));
}

/** Each file and folder under `dir` with what a write would change: size, mode and modification time. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const stat = statSync(full);
      entries[path.relative(dir, full)] = `${stat.size} ${stat.mode.toString(8)} ${stat.mtimeMs}`;
      if (entry.isDirectory()) visit(full);
    }
  };
  visit(dir);
  return entries;
}

function fileState(file: string): string {
  if (!existsSync(file)) return 'missing';
  const stat = statSync(file);
  return `${stat.size} ${stat.mtimeMs}`;
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const HELLO_NOTE = '/tmp/stepwise-hello-note';

const hello: Example = {
  file: 'hello.yaml',
  async arrange(space) {
    const who = `tester ${path.basename(space.dir)}`;
    const bytes = ['package.json', 'tsconfig.json'].reduce((sum, name) => sum + statSync(path.join(REPO, name)).size, 0);
    return {
      params: { who },
      writesOutside: [HELLO_NOTE],
      expectPlan(plan) {
        expect(plan.outputs).toEqual({ greeting: `hello, ${who}`, total: bytes });
        expect(stepStatuses(plan)).toMatchObject({ greet: 'succeeded', sizes: 'succeeded', write: 'planned' });
      },
      expectRun(run) {
        expect(run.outputs).toEqual({ greeting: `hello, ${who}`, total: bytes });
        expect(readFileSync(HELLO_NOTE, 'utf8')).toBe(`hello, ${who}\n`);
      },
    };
  },
};

function smokeTestParams(space: Workspace, port: number): Record<string, string> {
  return { workdir: space.file('service'), port: String(port), version: '2.5.0-rc.1', warmupMs: '400' };
}

const smokeTest: Example = {
  file: 'smoke-test-local-service.yaml',
  async arrange(space) {
    const port = await freePort();
    const params = smokeTestParams(space, port);
    const configFile = path.join(params.workdir!, 'service.json');
    return {
      params,
      expectPlan(plan) {
        expect(plan.outputs).toMatchObject({ configFile, configChanged: true, url: '<depends on service>' });
        expect(stepStatuses(plan)).toMatchObject({ current: 'succeeded', confirm: 'would-ask', config: 'planned', service: 'planned' });
        expect(existsSync(params.workdir!)).toBe(false);
      },
      async expectRun(run) {
        expect(run.outputs).toEqual({ url: `http://127.0.0.1:${port}`, configFile, configChanged: true, version: '2.5.0-rc.1', checked: ['/health', '/version'] });
        expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ version: '2.5.0-rc.1', port, warmupMs: 400 });
        expect(await acceptsConnections(port)).toBe(false);
      },
    };
  },
};

const OLD_KEY = 'old-key-0123456789abcdef';
/** Shell metacharacters included: the key must reach its file byte for byte. */
const NEW_KEY = 'new-key-$(id -u);"\'`-fedcba9876543210';
const CONFIG = `;; billing service settings
{:app/name "billing"
 :api {:active-key "k-2024" ; rotated yearly
       :timeout-ms 2000}}
`;

/** An application folder whose active key is k-2024. */
function apiKeyApp(space: Workspace): string {
  space.write('app/config.edn', CONFIG);
  chmodSync(space.write('app/keys/k-2024.key', OLD_KEY), 0o600);
  return space.file('app');
}

function expectSecretHidden(space: Workspace, cli: CliResult): void {
  expect(cli.stdout + cli.stderr).not.toContain(NEW_KEY);
  for (const file of Object.keys(snapshot(space.stateDir))) {
    const full = path.join(space.stateDir, file);
    if (statSync(full).isFile()) expect(readFileSync(full, 'utf8')).not.toContain(NEW_KEY);
  }
}

const rotateApiKey: Example = {
  file: 'rotate-api-key.yaml',
  async arrange(space) {
    const app = apiKeyApp(space);
    return {
      params: { app, keyId: 'k-2025' },
      env: { STEPWISE_PARAM_APIKEY: NEW_KEY },
      expectPlan(plan, cli) {
        expect(plan.outputs).toEqual({ previousKey: 'k-2024', activeKey: 'k-2025', fingerprint: '<depends on store>', backup: '<depends on activate>', reloaded: '<depends on reload>' });
        expect(stepStatuses(plan)).toMatchObject({ 'before/key-private': 'succeeded', 'new-key': 'succeeded', store: 'planned', activate: 'planned', after: 'depends' });
        expect(cli.stdout + cli.stderr).not.toContain(NEW_KEY);
      },
      expectRun(run, cli) {
        expect(run.outputs).toEqual({
          previousKey: 'k-2024',
          activeKey: 'k-2025',
          fingerprint: fingerprint(NEW_KEY),
          backup: expect.stringMatching(/config\.edn\.\d{8}-\d{6}-[0-9a-f]{4}\.bak$/),
          reloaded: false,
        });
        expect(readFileSync(run.outputs!.backup as string, 'utf8')).toBe(CONFIG);
        expect(space.read('app/config.edn')).toBe(CONFIG.replace('"k-2024"', '"k-2025"'));
        expect(space.read('app/keys/k-2025.key')).toBe(NEW_KEY);
        expect(statSync(space.file('app/keys/k-2025.key')).mode & 0o777).toBe(0o600);
        expect(space.read('app/keys/k-2024.key')).toBe(OLD_KEY);
        expect(stepStatuses(run)).toMatchObject({ 'after/expected-fingerprint': 'succeeded', reload: 'failed' });
        expect(cli.stderr).toContain('app.pid does not exist: is the application running?');
        expectSecretHidden(space, cli);
      },
    };
  },
};

const checkApiKey: Example = {
  file: 'check-api-key.yaml',
  async arrange(space) {
    const app = apiKeyApp(space);
    const outputs = { activeKey: 'k-2024', fingerprint: fingerprint(OLD_KEY), keys: ['k-2024'] };
    return {
      params: { app, keyId: 'k-2024' },
      expectPlan(plan) {
        expect(plan.outputs).toEqual(outputs);
        expect(stepStatuses(plan)).toMatchObject({ 'expected-key': 'succeeded', 'key-private': 'succeeded' });
      },
      expectRun(run) {
        expect(run.outputs).toEqual(outputs);
      },
    };
  },
};

const EXAMPLES_THAT_RUN_ANYWHERE = [hello, smokeTest, rotateApiKey, checkApiKey];

it('covers every runbook of runbooks/examples/', () => {
  const shipped = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml')).sort();
  expect(EXAMPLES_THAT_RUN_ANYWHERE.map((example) => example.file).sort()).toEqual(shipped);
});

describe.each(EXAMPLES_THAT_RUN_ANYWHERE)('the example $file', (example) => {
  const file = path.join(EXAMPLES, example.file);

  it('validates', async () => {
    const result = await runCli(['validate', file], { cwd: REPO });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`${example.file}: valid`);
  });

  it('plans without changing anything', { timeout: SLOW }, async () => {
    const space = workspace();
    const run = await example.arrange(space);
    const before = { inside: snapshot(space.dir), outside: run.writesOutside?.map(fileState) };

    const { cli, report } = await stepwise(space, ['plan', file, ...paramArgs(run.params)], run.env);

    expect(cli.code, cli.stderr).toBe(0);
    expect(report.status).toBe('planned');
    run.expectPlan(report, cli);
    expect({ inside: snapshot(space.dir), outside: run.writesOutside?.map(fileState) }).toEqual(before);
  });

  it('runs with --yes to success', { timeout: SLOW }, async () => {
    const space = workspace();
    const run = await example.arrange(space);

    const { cli, report } = await stepwise(space, ['run', file, '--yes', ...paramArgs(run.params)], run.env);

    expect(cli.code, cli.stderr).toBe(0);
    expect(report.status).toBe('succeeded');
    await run.expectRun(report, cli);
  });
});

describe('smoke-test-local-service', () => {
  const file = path.join(EXAMPLES, smokeTest.file);

  it('writes the config only when it differs from the one in place', { timeout: SLOW }, async () => {
    const space = workspace();
    const params = smokeTestParams(space, await freePort());
    const args = ['run', file, '--yes', ...paramArgs(params)];
    expect((await stepwise(space, args)).cli.code).toBe(0);
    const written = fileState(path.join(params.workdir!, 'service.json'));

    const { cli, report } = await stepwise(space, args);

    expect(cli.code, cli.stderr).toBe(0);
    expect(report.outputs).toMatchObject({ configChanged: false, version: '2.5.0-rc.1' });
    expect(stepStatuses(report)).toMatchObject({ config: 'skipped', service: 'succeeded' });
    expect(fileState(path.join(params.workdir!, 'service.json'))).toBe(written);
  });

  it('fails on a port that is taken and resumes once it is free, without writing the config again', { timeout: SLOW }, async () => {
    const space = workspace();
    const squatter = createServer((socket) => socket.end());
    const port = await listen(squatter);
    onTestFinished(() => close(squatter));
    const params = smokeTestParams(space, port);
    const configFile = path.join(params.workdir!, 'service.json');

    const failed = await stepwise(space, ['run', file, '--yes', ...paramArgs(params)]);

    expect(failed.cli.code).toBe(1);
    expect(failed.report.failure).toMatchObject({ stepId: 'service', code: 'port-in-use' });
    expect(stepStatuses(failed.report)).toMatchObject({ config: 'succeeded', service: 'failed', probe: 'not-run' });
    const written = fileState(configFile);
    expect(written).not.toBe('missing');

    await close(squatter);
    const resumed = await stepwise(space, ['resume', failed.report.runId, '--yes']);

    expect(resumed.cli.code, resumed.cli.stderr).toBe(0);
    expect(resumed.report.outputs).toMatchObject({ url: `http://127.0.0.1:${port}`, version: '2.5.0-rc.1', checked: ['/health', '/version'] });
    expect(stepStatuses(resumed.report)).toMatchObject({ config: 'restored', service: 'succeeded', 'right-version': 'succeeded' });
    expect(fileState(configFile)).toBe(written);
    expect(await acceptsConnections(port)).toBe(false);
  });

  it('refuses a port below 1024 before running anything', async () => {
    const space = workspace();

    const result = await runCli(['run', file, '--yes', ...paramArgs(smokeTestParams(space, 80)), '--state-dir', space.stateDir], { cwd: space.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('parameter "port" must be >= 1024, not 80');
    expectNoStackTrace(result.stderr);
    expect(runIds(space.stateDir)).toEqual([]);
  });
});

/** Stands in for the application: writes `reloaded` to a file on SIGHUP. */
async function startApplication(space: Workspace): Promise<void> {
  const script = `process.on('SIGHUP', () => { require('node:fs').writeFileSync(process.argv[1], 'reloaded'); process.exit(0); });
console.log('ready');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, space.file('reloaded')], { stdio: ['ignore', 'pipe', 'inherit'] });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', () => resolve());
  });
  space.write('app/app.pid', `${child.pid}\n`);
}

describe('rotate-api-key', () => {
  const file = path.join(EXAMPLES, rotateApiKey.file);

  it('asks the running application to reload its config', { timeout: SLOW }, async () => {
    const space = workspace();
    const app = apiKeyApp(space);
    await startApplication(space);

    const { cli, report } = await stepwise(space, ['run', file, '--yes', ...paramArgs({ app, keyId: 'k-2025' })], { STEPWISE_PARAM_APIKEY: NEW_KEY });

    expect(cli.code, cli.stderr).toBe(0);
    expect(report.outputs).toMatchObject({ activeKey: 'k-2025', reloaded: true });
    expect(space.read('reloaded')).toBe('reloaded');
  });

  it('refuses to rotate to the key that is already active, changing nothing', { timeout: SLOW }, async () => {
    const space = workspace();
    const app = apiKeyApp(space);
    const before = snapshot(space.file('app'));

    const { cli, report } = await stepwise(space, ['run', file, '--yes', ...paramArgs({ app, keyId: 'k-2024' })], { STEPWISE_PARAM_APIKEY: NEW_KEY });

    expect(cli.code).toBe(1);
    expect(report.failure).toMatchObject({ stepId: 'new-key', code: 'assertion' });
    expect(report.failure!.message).toContain('keys/k-2024.key already exists; choose a new key id');
    expect(snapshot(space.file('app'))).toEqual(before);
  });

  it('fails on a key file others can read; after chmod 600, a resume checks again and rotates', { timeout: SLOW }, async () => {
    const space = workspace();
    const app = apiKeyApp(space);
    chmodSync(space.file('app/keys/k-2024.key'), 0o644);
    const env = { STEPWISE_PARAM_APIKEY: NEW_KEY };

    const failed = await stepwise(space, ['run', file, '--yes', ...paramArgs({ app, keyId: 'k-2025' })], env);
    expect(failed.cli.code).toBe(1);
    expect(failed.report.failure!.message).toContain('k-2024.key has mode 644; run chmod 600 on it');

    chmodSync(space.file('app/keys/k-2024.key'), 0o600);
    const resumed = await stepwise(space, ['resume', failed.report.runId, '--yes'], env);

    expect(resumed.cli.code, resumed.cli.stderr).toBe(0);
    expect(resumed.report.outputs).toMatchObject({ previousKey: 'k-2024', activeKey: 'k-2025', fingerprint: fingerprint(NEW_KEY) });
    expect(stepStatuses(resumed.report)).toMatchObject({ 'before/key-private': 'succeeded' });
    expect(space.read('app/config.edn')).toBe(CONFIG.replace('"k-2024"', '"k-2025"'));
    expectSecretHidden(space, resumed.cli);
  });

  it('refuses a key shorter than 20 characters without showing it', async () => {
    const space = workspace();
    const app = apiKeyApp(space);

    const result = await runCli(['run', file, '--yes', ...paramArgs({ app, keyId: 'k-2025' }), '--state-dir', space.stateDir], { cwd: space.dir, env: { STEPWISE_PARAM_APIKEY: 'short-key-1' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('parameter "apiKey" must not be shorter than 20 characters');
    expect(result.stdout + result.stderr).not.toContain('short-key-1');
    expect(runIds(space.stateDir)).toEqual([]);
  });
});

describe('check-api-key', () => {
  it('fails when the active key can be read by others, and says how to fix it', { timeout: SLOW }, async () => {
    const space = workspace();
    const app = apiKeyApp(space);
    chmodSync(space.file('app/keys/k-2024.key'), 0o644);

    const { cli, report } = await stepwise(space, ['plan', path.join(EXAMPLES, checkApiKey.file), ...paramArgs({ app })]);

    expect(cli.code).toBe(1);
    expect(report.failure).toMatchObject({ stepId: 'key-private', code: 'assertion' });
    expect(report.failure!.message).toContain(`${app}/keys/k-2024.key has mode 644; run chmod 600 on it`);
  });
});
