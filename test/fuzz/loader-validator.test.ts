/**
 * Fuzzing the loader and the validator: seeded mutations of the shipped runbooks and random
 * YAML. Each input must end in a valid runbook or in errors located file:line:col, never in an
 * exception, a hang or a stack trace; a sample goes through `stepwise validate` as well, which
 * must agree, exit 2 and print no stack trace. An input that once broke them is kept in
 * test/err/ as a golden case. The compiled engine runs (`npm run build` first).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../engine/validate/diagnostic.js';
import { builtInSteps } from '../../steps/catalog.js';
import { mutate } from './mutate.js';
import { Random } from './random.js';
import { randomYaml } from './random-yaml.js';
import { ValidatorWorker, type FuzzCase, type Outcome } from './validate-in-worker.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'dist/engine/cli.js');
const SEED = 20_808;
/** Spread over the shipped runbooks, however many there are. */
const RUNBOOK_MUTATIONS = 1200;
const RANDOM_DOCUMENTS = 850;
const MIN_CASES = 2000;
/** A case takes milliseconds; this only tells a hang from a busy machine. */
const CASE_BUDGET_MS = 10_000;
/** Files a `stepwise validate` process is given at once: every input goes through the CLI. */
const CLI_BATCH = 250;
/** Runbooks that load files beside them (plugins, sub-runbooks) are validated where they are. */
const NEEDS_ITS_FOLDER = /delete-ion-lambdas/;

/** A stack frame, a thrown error's name or Node's own internals: what bad input must never show. */
const STACK_TRACE = /^\s+at .+|^\w*Error:|node:internal/m;

const scratch = mkdtempSync(path.join(tmpdir(), 'stepwise-fuzz-'));

const shippedRunbooks = readdirSync(path.join(ROOT, 'runbooks'), { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => path.join(ROOT, 'runbooks', name));

/** Made one at a time, each from a seed of its own. */
function* fuzzCases(): Generator<FuzzCase> {
  let seed = SEED;
  for (const runbook of shippedRunbooks) {
    const text = readFileSync(runbook, 'utf8');
    const relative = path.relative(ROOT, runbook);
    for (let i = 0; i < Math.ceil(RUNBOOK_MUTATIONS / shippedRunbooks.length); i++, seed++) {
      const file = NEEDS_ITS_FOLDER.test(relative) ? runbook : path.join(scratch, `${path.basename(runbook, '.yaml')}-${seed}.yaml`);
      yield { name: `${relative} mutated with seed ${seed}`, file, text: mutate(text, new Random(seed)) };
    }
  }
  const types = Object.keys(builtInSteps);
  for (let i = 0; i < RANDOM_DOCUMENTS; i++, seed++) {
    yield { name: `random YAML with seed ${seed}`, file: path.join(scratch, `random-${seed}.yaml`), text: randomYaml(new Random(seed), types) };
  }
}

/** What is wrong with how a case ended; empty when it ended as it must. */
function problemsOf(fuzzCase: FuzzCase, outcome: Outcome): string[] {
  if (outcome.kind === 'threw') return [`threw: ${outcome.error}`];
  if (outcome.kind === 'hung') return [`still running after ${outcome.ms} ms`];
  const problems: string[] = [];
  const errors = outcome.diagnostics.filter((d) => d.severity === 'error');
  if (outcome.ok && errors.length > 0) problems.push('valid, yet with errors');
  if (!outcome.ok && !errors.some((d) => d.file === fuzzCase.file)) problems.push('invalid without an error in the file itself');
  const lastLine = fuzzCase.text.split('\n').length + 1;
  for (const d of outcome.diagnostics) {
    // a runbook it runs may be missing: that one is named without a line, and the step that runs it is located
    if (d.file === fuzzCase.file && !(d.line >= 1 && d.col >= 1 && d.line <= lastLine)) problems.push(`not located: ${formatDiagnostic(d)}`);
    if (typeof d.message !== 'string' || d.message.trim() === '') problems.push(`no message: ${JSON.stringify(d)}`);
    else if (STACK_TRACE.test(d.message) || d.message.includes('[object Object]')) problems.push(`unreadable message: ${formatDiagnostic(d)}`);
  }
  return problems;
}

interface Result {
  fuzzCase: FuzzCase;
  outcome: Outcome;
  problems: string[];
}

/** Keeps every input that broke something where a human can look at it, and says where. */
function report(findings: Result[]): string {
  if (findings.length === 0) return '';
  const folder = mkdtempSync(path.join(tmpdir(), 'stepwise-fuzz-findings-'));
  return findings
    .map(({ fuzzCase, problems }, index) => {
      const saved = path.join(folder, `finding-${index + 1}.yaml`);
      writeFileSync(saved, fuzzCase.text);
      return `${fuzzCase.name} (input saved as ${saved}):\n  ${problems.join('\n  ').slice(0, 2000)}`;
    })
    .join('\n');
}

interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function validateWithCli(files: readonly string[]): Promise<CliOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.STEPWISE_DEBUG;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'validate', ...files], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What `stepwise validate` prints for these cases, from how they validated in the worker. */
function expectedCliOutput(batch: readonly Result[]): CliOutcome {
  const validated = batch.map(({ fuzzCase, outcome }) => ({ file: fuzzCase.file, outcome: outcome as Extract<Outcome, { kind: 'validated' }> }));
  const invalid = validated.filter(({ outcome }) => !outcome.ok).length;
  const stderr = validated.flatMap(({ outcome }) => outcome.diagnostics.map((d) => `${formatDiagnostic(d)}\n`)).join('');
  return {
    code: invalid > 0 ? 2 : 0,
    stdout: validated.filter(({ outcome }) => outcome.ok).map(({ file }) => `${file}: valid\n`).join(''),
    stderr: invalid > 0 ? `${stderr}${invalid} of ${batch.length} runbook${batch.length === 1 ? '' : 's'} invalid\n` : stderr,
  };
}

/** Every input written into the scratch folder (shipped runbooks that load files beside them are mutated where they are). */
function cliCases(results: readonly Result[]): Result[] {
  return results.filter(({ fuzzCase, outcome }) => fuzzCase.file.startsWith(scratch) && outcome.kind === 'validated');
}

describe('fuzzing the loader and the validator', () => {
  const worker = new ValidatorWorker(CASE_BUDGET_MS);
  const results: Result[] = [];

  beforeAll(async () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
    const cases = fuzzCases();
    for (let current = cases.next(); !current.done; ) {
      const fuzzCase = current.value;
      const validated = worker.validate(fuzzCase);
      current = cases.next(); // made while the worker validates
      const outcome = await validated;
      results.push({ fuzzCase, outcome, problems: problemsOf(fuzzCase, outcome) });
    }
  }, 180_000);

  afterAll(async () => {
    await worker.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`ends each of at least ${MIN_CASES} inputs in a valid runbook or located errors, never an exception, a hang or a stack trace`, () => {
    expect(shippedRunbooks.length).toBeGreaterThanOrEqual(5);
    expect(results.length).toBeGreaterThanOrEqual(MIN_CASES);
    const findings = results.filter(({ problems }) => problems.length > 0);
    expect(findings.length, report(findings)).toBe(0);
  });

  it('mutates the shipped runbooks into valid and invalid ones alike, so that both paths are exercised', () => {
    const mutations = results.filter(({ fuzzCase }) => fuzzCase.name.includes('mutated'));
    const valid = mutations.filter(({ outcome }) => outcome.kind === 'validated' && outcome.ok).length;
    expect(valid).toBeGreaterThan(mutations.length * 0.05);
    expect(mutations.length - valid).toBeGreaterThan(mutations.length * 0.5);
  });

  it('agrees with stepwise validate on every input: the same located errors, exit 2, no stack trace', async () => {
    const sample = cliCases(results);
    // the mutations of runbooks that load files beside them are validated where they are
    expect(sample.length).toBeGreaterThan(MIN_CASES * 0.9);
    for (const { fuzzCase } of sample) writeFileSync(fuzzCase.file, fuzzCase.text);
    const batches = Array.from({ length: Math.ceil(sample.length / CLI_BATCH) }, (_, i) => sample.slice(i * CLI_BATCH, (i + 1) * CLI_BATCH));
    const outcomes: CliOutcome[] = [];
    // two at a time: the machine has two cores, and the worker's results are already in
    for (let next = 0; next < batches.length; next += 2) {
      outcomes.push(...(await Promise.all(batches.slice(next, next + 2).map((batch) => validateWithCli(batch.map(({ fuzzCase }) => fuzzCase.file))))));
    }
    batches.forEach((batch, index) => {
      const outcome = outcomes[index]!;
      expect(outcome.stderr).not.toMatch(STACK_TRACE);
      expect(outcome).toEqual(expectedCliOutput(batch));
    });
  }, 300_000);
});
