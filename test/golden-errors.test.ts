import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Golden bad-input cases in the style of actionlint's testdata: `test/err/NAME.yaml` is a
 * runbook with a mistake, `test/err/NAME.out` the exact stderr of `stepwise validate` on it.
 * The .out files are the spec: `UPDATE_GOLDEN=1` rewrites them, and each rewrite is read by eye.
 * The compiled CLI runs, as an operator would run it (`npm run build` first).
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/engine/cli.js');
const CASES_DIR = 'test/err';
const VALID_DIR = 'test/err/valid';
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const PARALLEL = 4;
const MIN_CASES = 35;
/** One validation is well under a second; this only stops a CLI that hangs. */
const CLI_TIMEOUT_MS = 30_000;
/** A test's clock runs while it waits for a free slot, which on a busy machine takes a while. */
const QUEUED_TEST_TIMEOUT_MS = 10 * 60_000;

const yamlFiles = (dir: string) =>
  readdirSync(path.join(ROOT, dir))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => `${dir}/${name}`);

const badCases = yamlFiles(CASES_DIR);
const validCases = yamlFiles(VALID_DIR);

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A stack frame, a thrown error's name or Node's own internals: what bad input must never show. */
const STACK_TRACE = /^\s+at .+|^\w*Error:|node:internal/m;

let running = 0;
const waiting: (() => void)[] = [];

/** Spawning every case at once would compete for CPUs; a few at a time is as fast and steadier. */
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await task();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function validate(file: string): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.STEPWISE_DEBUG;
  return limited(
    () =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'validate', file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: CLI_TIMEOUT_MS });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      }),
  );
}

describe('golden bad-input cases', () => {
  it(`finds at least ${MIN_CASES} cases, each with its expected output, and the compiled CLI`, () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
    expect(badCases.length).toBeGreaterThanOrEqual(MIN_CASES);
    const orphans = readdirSync(path.join(ROOT, CASES_DIR)).filter((name) => name.endsWith('.out') && !badCases.includes(`${CASES_DIR}/${name.replace(/\.out$/, '.yaml')}`));
    expect(orphans, '.out files without their .yaml').toEqual([]);
    if (UPDATE) return;
    const missing = badCases.map((file) => file.replace(/\.yaml$/, '.out')).filter((out) => !existsSync(path.join(ROOT, out)));
    expect(missing, 'cases without a .out file (UPDATE_GOLDEN=1 writes them)').toEqual([]);
  });

  it.concurrent.each(badCases)('%s', async (file) => {
    const expectedFile = path.join(ROOT, file.replace(/\.yaml$/, '.out'));
    const outcome = await validate(file);
    expect(outcome.signal, 'the CLI was killed').toBeNull();
    if (UPDATE) writeFileSync(expectedFile, outcome.stderr);
    expect(outcome.stderr).not.toMatch(STACK_TRACE);
    expect(outcome.stderr).toBe(readFileSync(expectedFile, 'utf8'));
    expect(outcome.stdout).toBe('');
    expect(outcome.code).toBe(2);
  }, QUEUED_TEST_TIMEOUT_MS);
});

describe('valid runbooks beside the cases', () => {
  it('finds some', () => {
    expect(validCases.length).toBeGreaterThan(0);
  });

  it.concurrent.each(validCases)('%s validates clean', async (file) => {
    const outcome = await validate(file);
    expect(outcome.signal, 'the CLI was killed').toBeNull();
    expect(outcome.stderr).toBe('');
    expect(outcome.stdout).toBe(`${file}: valid\n`);
    expect(outcome.code).toBe(0);
  }, QUEUED_TEST_TIMEOUT_MS);
});
