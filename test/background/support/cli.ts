/** Runs the compiled CLI as a child process, building it first when a source is newer than its output. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_PATH = path.join(REPO_DIR, 'dist/engine/cli.js');

async function sourcesNewerThanOutput(dir: string): Promise<boolean> {
  for (const entry of await readdir(path.join(REPO_DIR, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const source = path.join(entry.parentPath, entry.name);
    const output = path.join(REPO_DIR, 'dist', path.relative(REPO_DIR, source)).replace(/\.ts$/, '.js');
    const [sourceStat, outputStat] = await Promise.all([stat(source), stat(output).catch(() => undefined)]);
    if (!outputStat || outputStat.mtimeMs < sourceStat.mtimeMs) return true;
  }
  return false;
}

/**
 * `npm run build` when dist/ is missing or stale. A type error elsewhere in the tree makes
 * tsc exit non-zero while it still writes every file, so the outcome is judged by the files.
 */
export async function ensureBuilt(): Promise<void> {
  if (!(await sourcesNewerThanOutput('engine')) && !(await sourcesNewerThanOutput('steps'))) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_DIR, encoding: 'utf8' });
  if (await sourcesNewerThanOutput('steps/core')) {
    throw new Error(`npm run build did not bring dist/ up to date:\n${build.stdout}\n${build.stderr}`);
  }
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written so far on stdout and stderr. */
  output(): string;
  /** The exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `stepwise ARGS...` in `cwd`, with the plain reporter (not a terminal, CI set). */
export function startCli(args: readonly string[], cwd: string): CliProcess {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd,
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}
