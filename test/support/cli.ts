/**
 * The one harness for tests that run the compiled CLI as an operator does. It never builds:
 * the integration project's globalSetup (test/support/dist-global-setup.ts) brings dist/ up to
 * date once, before any test starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { trackUntilEnded } from './leftover-processes.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO, 'dist/engine/cli.js');

/** Each CLI run takes half a second to start, several when the machine is busy: room for a handful. */
export const CLI_TESTS_TIMEOUT_MS = 120_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, as they came, for checks that care about everything printed. */
  printed: string;
}

export interface CliOptions {
  /** The repository's folder unless given. */
  cwd?: string;
  /** Set on top of the plain environment; `undefined` removes a variable (such as NO_COLOR). */
  env?: Record<string, string | undefined>;
  /** Runs the CLI under this umask (through /bin/sh), to show file modes do not depend on it. */
  umask?: string;
}

export interface StartedCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Everything printed so far, stdout and stderr together. */
  output(): string;
  stdout(): string;
  stderr(): string;
}

/** Variables of the shell that started the tests which would change what the CLI prints or reads. */
const INHERITED_BUT_IGNORED = /^(STEPWISE_|FORCE_COLOR$|NO_COLOR$|CI$)/;

/** An operator's shell without a terminal: plain progress lines, no colour, no STEPWISE_ variable. */
function cliEnvironment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!INHERITED_BUT_IGNORED.test(name)) env[name] = value;
  }
  Object.assign(env, { CI: '1', NO_COLOR: '1' });
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export function startCli(args: readonly string[], options: CliOptions = {}): StartedCli {
  const env = cliEnvironment(options.env);
  const cwd = options.cwd ?? REPO;
  const child =
    options.umask === undefined
      ? spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let printed = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    printed += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    printed += chunk;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, printed }));
  });
  trackUntilEnded(async () => {
    child.kill('SIGKILL');
    await done.catch(() => undefined);
  }, done);
  return { child, done, output: () => printed, stdout: () => stdout, stderr: () => stderr };
}


export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Resolves once the CLI's stdout (or stderr) matches `pattern`; rejects when the CLI exits first. */
export function outputMatching(cli: StartedCli, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> {
  const text = stream === 'stdout' ? cli.stdout : cli.stderr;
  const emitter = cli.child[stream]!;
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(text());
      if (!match) return;
      emitter.off('data', check);
      resolve(match);
    };
    emitter.on('data', check);
    void cli.done.then((result) => reject(new Error(`the CLI exited (${String(result.code ?? result.signal)}) before printing ${pattern}:\n${result.printed}`)));
    check();
  });
}

export { waitFor } from './wait-for.js';

/** A stack trace line, as Node prints them: `    at fn (file:1:2)`. */
export const STACK_TRACE_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/** Any ANSI escape sequence (colours, cursor movement). */
export const ANSI_ESCAPE = /\u001b\[/;

/** A stack trace is never what an operator should see: every failure here must be a message. */
export function expectNoStackTrace(text: string): void {
  if (STACK_TRACE_LINE.test(text) || text.includes('internal error')) {
    throw new Error(`the CLI printed a stack trace or an internal error:\n${text}`);
  }
}

export interface Workspace {
  dir: string;
  stateDir: string;
  file(name: string): string;
  /** Writes `text` to `name`, making its folders; returns the file's path. */
  write(name: string, text: string): string;
  read(name: string): string;
  remove(): Promise<void>;
}

/** A temporary folder for runbooks, effects and state that lives until `remove()`: for a whole file's tests. */
export function scratchFolder(): Workspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-test-'));
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    stateDir: file('state'),
    file,
    write(name, text) {
      mkdirSync(path.dirname(file(name)), { recursive: true });
      writeFileSync(file(name), text);
      return file(name);
    },
    read: (name) => readFileSync(file(name), 'utf8'),
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A temporary folder for one test, removed when the test ends. */
export function workspace(): Workspace {
  const space = scratchFolder();
  onTestFinished(() => space.remove());
  return space;
}

/** A runbook document around the given YAML lines (params, steps, outputs), indented as written. */
export function runbookYaml(name: string, body: string): string {
  return `apiVersion: stepwise/v1\nname: ${name}\nversion: 1.2.3\n${body.trim()}\n`;
}

export function runFolder(stateDir: string, runId: string): string {
  return path.join(stateDir, 'runs', runId);
}

/** The ids of the runs whose folder holds a run.json, oldest first. */
export function runIds(stateDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(stateDir, 'runs'));
  } catch {
    return [];
  }
  return names.filter((name) => isFile(path.join(runFolder(stateDir, name), 'run.json'))).sort();
}

/** The single run a test made, failing loudly when there is not exactly one. */
export function onlyRunId(stateDir: string): string {
  const ids = runIds(stateDir);
  if (ids.length !== 1) throw new Error(`expected one run in ${stateDir}, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0]!;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A journal line, read independently of the engine's own reader. */
export interface JournalLine {
  v: number;
  seq: number;
  type: string;
  stepId?: string;
  item?: number;
  status?: string;
  outputs?: unknown;
  error?: { message: string; code: string };
  via?: string;
  [key: string]: unknown;
}

export function journalFile(stateDir: string, runId: string): string {
  return path.join(runFolder(stateDir, runId), 'journal.ndjson');
}

/** The complete lines of a journal; a last line without its newline is cut short and left out. */
export function readJournalLines(stateDir: string, runId: string): JournalLine[] {
  let text: string;
  try {
    text = readFileSync(journalFile(stateDir, runId), 'utf8');
  } catch {
    return [];
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JournalLine);
}

/** Whether the process is gone (a zombie counts as gone: it runs nothing). */
export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** The pid of a process that has exited: nothing on this host runs under it now. */
export async function deadPid(): Promise<number> {
  const child = spawn('/bin/true');
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}
