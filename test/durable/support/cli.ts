import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as pause } from 'node:timers/promises';
import { onTestFinished } from 'vitest';

/** The compiled CLI, as an operator runs it: these tests need `npm run build` first. */
export const CLI = fileURLToPath(new URL('../../../dist/engine/cli.js', import.meta.url));

/** Each CLI run takes half a second to start, several when the machine is busy: room for a handful. */
export const CLI_TESTS_TIMEOUT_MS = 120_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for checks that care about everything printed. */
  printed: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Runs the CLI under this umask (through /bin/sh), to show file modes do not depend on it. */
  umask?: string;
}

export interface StartedCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Everything printed so far. */
  output(): string;
}

/** The environment of an operator's shell without a terminal: plain progress lines, no colour. */
function cliEnvironment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('STEPWISE_')) env[name] = value;
  }
  Object.assign(env, { CI: '1', NO_COLOR: '1' });
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export function startCli(args: readonly string[], options: CliOptions): StartedCli {
  const env = cliEnvironment(options.env);
  const child =
    options.umask === undefined
      ? spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, CLI, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { child, done, output: () => printed };
}

export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Polls until `probe` returns something other than undefined or false. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(5);
  }
}

/** A stack trace is never what an operator should see: every failure here must be a message. */
export function expectNoStackTrace(text: string): void {
  if (/^\s+at .+:\d+:\d+\)?$/m.test(text) || text.includes('internal error')) {
    throw new Error(`the CLI printed a stack trace or an internal error:\n${text}`);
  }
}

export interface Workspace {
  dir: string;
  stateDir: string;
  file(name: string): string;
  write(name: string, text: string): string;
  read(name: string): string;
}

/** A temporary folder for one test's runbooks, effects and state; removed when the test ends. */
export function workspace(): Workspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-durable-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
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
  };
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

/** Resolves once the process is gone (a zombie counts as gone: it runs nothing). */
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
