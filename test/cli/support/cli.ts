import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled CLI: `npm test` builds before it runs the tests. */
export const CLI = fileURLToPath(new URL('../../../dist/engine/cli.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the CLI tests`);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to a clean environment: no colour forcing, no CI flag, no STEPWISE_ variables. */
  env?: Record<string, string>;
}

/** The variables that change how the CLI prints or which params it reads. */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (['FORCE_COLOR', 'NO_COLOR', 'CI', 'STEPWISE_DEBUG'].includes(name) || name.startsWith('STEPWISE_PARAM_')) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** A running CLI whose output so far can be read while it runs. */
export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<CliResult>;
}

export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO, env: cleanEnvironment(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves once the CLI's stdout (or stderr) matches `pattern`; rejects when the CLI exits first. */
export function outputMatching(cli: RunningCli, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> {
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
    void cli.exited.then((result) => reject(new Error(`the CLI exited (${String(result.code ?? result.signal)}) before printing ${pattern}:\n${result.stdout}\n${result.stderr}`)));
    check();
  });
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).exited;
}

/** A stack trace line, as Node prints them: `    at fn (file:1:2)`. */
export const STACK_TRACE_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/** Any ANSI escape sequence (colours, cursor movement). */
export const ANSI_ESCAPE = /\u001b\[/;

/** A scratch folder for runbooks and state, removed by `remove()`. */
export async function scratchFolder(): Promise<{ dir: string; write(name: string, text: string): Promise<string>; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stepwise-cli-'));
  return {
    dir,
    async write(name, text) {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return file;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A runbook document around the given YAML lines (params, steps, outputs), indented as written. */
export function runbookYaml(name: string, body: string): string {
  return `apiVersion: stepwise/v1\nname: ${name}\nversion: 1.2.3\n${body.trim()}\n`;
}
