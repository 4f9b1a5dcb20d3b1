// What every benchmark row shares: where things are, how to time them, how to make a row.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO, 'dist/engine/cli.js');

/** A module of the compiled engine, such as `engine/execute/execute-runbook.js`. */
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
 * Milliseconds a whole child process takes, from spawn to exit. It fails loudly when the
 * process exits otherwise than `okExitCodes` allow, so a broken command cannot pass as a fast one.
 */
export function timeProcess(file, args, { okExitCodes = [0] } = {}) {
  const started = performance.now();
  const result = spawnSync(file, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - started;
  if (!okExitCodes.includes(result.status)) throw new Error(`${file} ${args.join(' ')} exited with ${result.status ?? result.signal}: ${result.stderr}`);
  return ms;
}

/**
 * Runs each contender `repeat` times after one warm-up, taking turns so that drift in the
 * machine's load touches all of them alike; returns the median milliseconds of each.
 */
export async function compare(contenders, repeat) {
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round <= repeat; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const ms = await run();
      if (round > 0) samples[name].push(ms);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/**
 * One line of the table: `measured` against `baseline` in the same run of this script.
 * `target` is the highest acceptable ratio, or undefined for a row that only reports.
 */
export function row({ name, baseline, baselineMs, measuredMs, target }) {
  const ratio = measuredMs / baselineMs;
  return { name, baseline, baselineMs, measuredMs, ratio, target, pass: target === undefined ? undefined : ratio <= target };
}

/** Every runbook file under runbooks/, for the rows that validate them all. */
export async function allRunbooks() {
  const entries = await readdir(path.join(REPO, 'runbooks'), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}
