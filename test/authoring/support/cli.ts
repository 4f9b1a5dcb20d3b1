import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The compiled CLI, as an operator runs it: `npm run build` first (`npm test` does). */
export const CLI = path.join(REPO, 'dist/engine/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI without a terminal: plain progress lines, no colour, and no STEPWISE_ variable
 * of the shell that started the tests.
 */
export function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STEPWISE_')));
  Object.assign(env, { CI: '1', NO_COLOR: '1' }, options.env);
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A stack trace is never what an operator should see. */
export function expectNoStackTrace(text: string): void {
  if (/^\s+at .+:\d+:\d+\)?$/m.test(text) || text.includes('internal error')) throw new Error(`the CLI printed a stack trace or an internal error:\n${text}`);
}

export interface Workspace {
  dir: string;
  stateDir: string;
  path(name: string): string;
  write(name: string, text: string): string;
  read(name: string): string;
  /** The ids of the recorded runs, oldest first. */
  runIds(): string[];
}

/** A temporary folder for one test, removed when it ends. */
export function workspace(): Workspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-authoring-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    stateDir: file('state'),
    path: file,
    write(name, text) {
      mkdirSync(path.dirname(file(name)), { recursive: true });
      writeFileSync(file(name), text);
      return file(name);
    },
    read: (name) => readFileSync(file(name), 'utf8'),
    runIds() {
      try {
        return readdirSync(file('state/runs')).sort();
      } catch {
        return [];
      }
    },
  };
}

/** The single run a test made, failing loudly when there is not exactly one. */
export function onlyRun(space: Workspace): string {
  const ids = space.runIds();
  if (ids.length !== 1) throw new Error(`expected one run in ${space.stateDir}, found ${ids.length}`);
  return ids[0]!;
}
