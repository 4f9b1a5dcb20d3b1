// What every benchmark row shares: where things are, how to time them, how to make a row.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { access, constants, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO, 'dist/engine/cli.js');

/** A module of the compiled project, such as `engine/execute/execute-runbook.js`. */
export function importBuilt(relative) {
  const file = path.join(REPO, 'dist', relative);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return import(file);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds `work` takes, awaited. */
export async function time(work) {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * A whole child process, from spawn to exit: its milliseconds and what it printed on stdout.
 * It fails loudly when the process exits otherwise than `okExitCodes` allow, so a broken
 * command cannot pass as a fast one.
 */
export function runProcess(file, args, { okExitCodes = [0], env = process.env, cwd = REPO } = {}) {
  const started = performance.now();
  const result = spawnSync(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (!okExitCodes.includes(result.status)) {
    const detail = result.error ? result.error.message : `exited with ${result.status ?? result.signal}: ${`${result.stderr}${result.stdout}`.trim().slice(-2000)}`;
    throw new Error(`${file} ${args.join(' ')} ${detail}`);
  }
  return { ms, stdout: result.stdout };
}

/** Milliseconds a whole child process takes; see runProcess. */
export function timeProcess(file, args, options) {
  return runProcess(file, args, options).ms;
}

/**
 * Runs each contender `repeat` times, taking turns so that drift in the machine's load touches
 * all of them alike; returns the median milliseconds of each. A first round, not counted, warms
 * up caches and the JIT; a row whose contenders are long passes `warmUp: false` and warms up
 * on smaller work with runOnce.
 */
export async function compare(contenders, repeat, { warmUp = true } = {}) {
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = warmUp ? 0 : 1; round <= repeat; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const ms = await run();
      if (round > 0) samples[name].push(ms);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** Runs each contender once, untimed: the warm-up of a row whose own contenders are long. */
export async function runOnce(contenders) {
  for (const run of Object.values(contenders)) await run();
}

/**
 * One line of the table: `measured` against `baseline` in the same run of this script.
 * `target` is the highest acceptable ratio, or undefined for a row that only reports.
 */
export function row({ name, baseline, baselineMs, measuredMs, target }) {
  const ratio = measuredMs / baselineMs;
  return { name, baseline, baselineMs, measuredMs, ratio, target, pass: target === undefined ? undefined : ratio <= target };
}

/** A line of the table for a row that could not be measured here, and why; it fails nothing. */
export function skippedRow({ name, baseline, reason }) {
  return { name, baseline, skipped: reason };
}

/** The path of `program` on PATH, or undefined. */
export async function findOnPath(program, pathVariable = process.env.PATH ?? '') {
  for (const folder of pathVariable.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(folder, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Runs `work` with a fresh temporary folder in `parent`, removed afterwards whatever happens. */
export async function inWorkspace(name, work, parent = os.tmpdir()) {
  const folder = mkdtempSync(path.join(parent, `stepwise-bench-${name}-`));
  try {
    return await work(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Every runbook file under runbooks/, for the rows that validate them all. */
export async function allRunbooks() {
  const entries = await readdir(path.join(REPO, 'runbooks'), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}
