import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { describeMoto } from '../support/moto-env.js';
import { REPO, runCli } from '../support/cli.js';

/**
 * `npm run sandbox` as the README has an operator use it: it starts moto seeded with the demo's
 * systems, prints the line to export in another shell, answers there until it is stopped, and
 * stops cleanly, moto and its folder with it.
 */

const SCRIPT = path.join(REPO, 'scripts/sandbox.js');
/** Starting moto and seeding it take seconds; this only stops a sandbox that never gets there. */
const START_TIMEOUT_MS = 120_000;

interface Sandbox {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * Python's pty module: runs the command in a pseudo-terminal, types Ctrl-C once the export line
 * is on the screen, reads to the end and prints { output, exitCode } (negative: killed by that signal).
 */
const TYPE_CTRL_C_AT_EXPORT_LINE = `
import json, os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out, typed = b'', False
while True:
    ready, _, _ = select.select([fd], [], [], 1)
    if not ready:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not typed and b'\\nexport ' in out.replace(b'\\r', b''):
        os.write(fd, b'\\x03')
        typed = True
_, status = os.waitpid(pid, 0)
print(json.dumps({'output': out.decode('utf8', 'replace'), 'exitCode': os.waitstatus_to_exitcode(status)}))
`;

function sandboxEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('STEPWISE_') && name !== 'CLJ_CONFIG'));
}

function startSandbox(): Sandbox {
  const child = spawn(process.execPath, [SCRIPT], { cwd: REPO, env: sandboxEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** Polls the output until the export line is there; fails with what the sandbox said if it exits first. */
async function exportLine(sandbox: Sandbox): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const line = /^export .+$/m.exec(sandbox.output())?.[0];
    if (line) return line;
    if (sandbox.child.exitCode !== null) throw new Error(`the sandbox exited ${sandbox.child.exitCode}:\n${sandbox.output()}`);
    if (Date.now() > deadline) throw new Error(`no export line yet:\n${sandbox.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The variables of `export A=1 B=2 PATH="dir:$PATH"`, as a shell would set them. */
function exportedEnvironment(line: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name, value] of line.slice('export '.length).matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
    env[name!] = value!.replace(/^"|"$/g, '').replace('$PATH', process.env.PATH ?? '');
  }
  return env;
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}

async function expectStoppedCleanly(sandbox: Sandbox, env: Record<string, string>): Promise<void> {
  expect(await sandbox.exited).toEqual({ code: 0, signal: null });
  expect(sandbox.output()).toContain('sandbox stopped');
  expect(existsSync(path.dirname(env.CLJ_CONFIG!)), 'the sandbox folder').toBe(false);
  expect(await answers(env.AWS_ENDPOINT_URL!), 'moto after the sandbox stopped').toBe(false);
}

describeMoto('npm run sandbox', () => {
  it('prints the line to export, under which the Datomic runbooks run against its systems, and stops on SIGINT', async () => {
    const sandbox = startSandbox();
    const line = await exportLine(sandbox);
    const env = exportedEnvironment(line);
    expect(env).toMatchObject({ AWS_ENDPOINT_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
    expect(await answers(env.AWS_ENDPOINT_URL!)).toBe(true);

    const state = await mkdtemp(path.join(tmpdir(), 'stepwise-sandbox-test-'));
    try {
      const discovered = await runCli(['run', 'runbooks/datomic/discover-system.yaml', '--json', '--state-dir', state], { cwd: REPO, env });
      expect(discovered.code, discovered.stderr).toBe(0);
      expect((JSON.parse(discovered.stdout) as { outputs: { systems: { name: string }[] } }).outputs.systems.map((system) => system.name)).toEqual(['inventory', 'orders']);
      // its `clojure` answers upgrade-schema's administer-system call
      const upgraded = await runCli(['run', 'runbooks/datomic/upgrade-schema.yaml', '-p', 'system=orders', '-p', 'databases=[movies]', '--json', '--state-dir', state], { cwd: REPO, env });
      expect(upgraded.code, upgraded.stderr).toBe(0);
    } finally {
      await rm(state, { recursive: true, force: true });
    }

    sandbox.child.kill('SIGINT');
    await expectStoppedCleanly(sandbox, env);
  }, 2 * START_TIMEOUT_MS);

  it('stops cleanly at Ctrl-C in a terminal, started as the README says (npm run sandbox)', async () => {
    const { stdout } = await promisify(execFile)('python3', ['-c', TYPE_CTRL_C_AT_EXPORT_LINE, 'npm', 'run', 'sandbox'], { cwd: REPO, env: sandboxEnvironment(), timeout: 2 * START_TIMEOUT_MS });
    const { output, exitCode } = JSON.parse(stdout) as { output: string; exitCode: number };
    const screen = output.replaceAll('\r', '');
    const line = /^export .+$/m.exec(screen)?.[0];
    expect(line, screen).toBeDefined();
    expect(screen).toContain('sandbox stopped');
    // npm, which got the Ctrl-C too, ends by it once the sandbox has stopped
    expect([0, -2]).toContain(exitCode);
    const env = exportedEnvironment(line!);
    expect(existsSync(path.dirname(env.CLJ_CONFIG!)), 'the sandbox folder').toBe(false);
    expect(await answers(env.AWS_ENDPOINT_URL!), 'moto after the sandbox stopped').toBe(false);
  }, 2 * START_TIMEOUT_MS);

  it('stops cleanly on SIGTERM', async () => {
    const sandbox = startSandbox();
    const env = exportedEnvironment(await exportLine(sandbox));
    sandbox.child.kill('SIGTERM');
    await expectStoppedCleanly(sandbox, env);
  }, 2 * START_TIMEOUT_MS);
});
