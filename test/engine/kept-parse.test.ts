/**
 * A run keeps the value its runbook parsed to; a resume of the same text takes it instead of
 * parsing the YAML again, which was most of what resuming a long runbook cost. Every YAML parse
 * is counted here.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { builtInRegistry } from '../../engine/cli/builtins.js';
import { keepParse, readingKeptParse } from '../../engine/cli/kept-parse.js';
import { resumeCommand } from '../../engine/cli/resume-command.js';
import { runCommand } from '../../engine/cli/run-command.js';
import { readRunbookFile } from '../../engine/load/read-runbook-file.js';
import { validateRunbookFile } from '../../engine/validate/validate-runbook.js';

const parses = vi.hoisted(() => ({ count: 0 }));

vi.mock('yaml', async (importOriginal) => {
  const original = await importOriginal<typeof import('yaml')>();
  return {
    ...original,
    parseDocument: (...args: Parameters<typeof original.parseDocument>) => {
      parses.count++;
      return original.parseDocument(...args);
    },
  };
});

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
let dir: string;
let stderr: string;
let listenersBefore: Map<string, unknown[]>;

beforeEach(() => {
  listenersBefore = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-kept-parse-'));
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
});

afterEach(() => {
  // the commands keep their signal handlers for the life of the process, which here is the test runner's
  for (const signal of SIGNALS) for (const listener of process.listeners(signal)) if (!listenersBefore.get(signal)!.includes(listener)) process.off(signal, listener);
  vi.restoreAllMocks();
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A change, then a step that fails until the file `go` exists: resumed, the change is restored. */
function gatedRunbook(): string {
  const file = path.join(dir, 'gated.yaml');
  writeFileSync(
    file,
    `apiVersion: stepwise/v1
name: gated
version: 1.0.0
steps:
  - id: change
    type: shell
    with: { command: ["true"] }
  - id: gate
    type: shell
    with: { command: [test, -f, ${JSON.stringify(path.join(dir, 'go'))}] }
`,
  );
  return file;
}

const stateDir = () => path.join(dir, 'state');
const runFolder = () => path.join(stateDir(), 'runs', readdirSync(path.join(stateDir(), 'runs'))[0]!);

async function failedRun(): Promise<{ file: string; runId: string }> {
  const file = gatedRunbook();
  await runCommand(file, { param: [], stateDir: stateDir() });
  expect(process.exitCode, stderr).toBe(1);
  process.exitCode = undefined;
  writeFileSync(path.join(dir, 'go'), '');
  return { file, runId: path.basename(runFolder()) };
}

async function resumed(runId: string, options: { allowChanged?: boolean } = {}): Promise<number> {
  parses.count = 0;
  await resumeCommand(runId, { stateDir: stateDir(), ...options });
  expect(process.exitCode ?? 0, stderr).toBe(0);
  expect(stderr).toContain('restored from the journal (done, and not run again): change');
  return parses.count;
}

describe('the parse a run keeps of its runbook', () => {
  it('spares the resume of an unchanged runbook parsing its YAML again', async () => {
    const { runId } = await failedRun();
    expect(await resumed(runId)).toBe(0);
  });

  it('is not taken once the runbook text changed: the resume parses and follows the file', async () => {
    const { file, runId } = await failedRun();
    writeFileSync(file, `${readFileSync(file, 'utf8')}# changed since the run started\n`);
    expect(await resumed(runId, { allowChanged: true })).toBeGreaterThan(0);
    expect(stderr).toContain('only comments or layout changed');
  });

  it.each([
    ['damaged', (file: string) => writeFileSync(file, '{"engineVersion":')],
    ['missing', (file: string) => rmSync(file)],
    ['from another version of stepwise', (file: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(/"engineVersion":"[^"]*"/, '"engineVersion":"0.0.0-other"'))],
  ])('is not taken when %s: the resume parses the runbook and goes on', async (_what, spoil) => {
    const { runId } = await failedRun();
    spoil(path.join(runFolder(), 'runbook.parsed.json'));
    expect(await resumed(runId)).toBeGreaterThan(0);
  });

  it('still locates a problem the resume finds in the kept value, parsing the text only then', async () => {
    const file = path.join(dir, 'typo.yaml');
    writeFileSync(file, 'apiVersion: stepwise/v1\nname: typo\nversion: 1.0.0\nsteps:\n  - id: one\n    type: set\n    with: { valuez: { n: 1 } }\n');
    const read = await readRunbookFile(file);
    if (!read.ok) throw new Error('the test runbook does not parse');
    const expected = await validateRunbookFile(file, builtInRegistry());
    const kept = keepParse(read.source);
    expect(kept).toBeDefined();

    parses.count = 0;
    const found = await validateRunbookFile(file, builtInRegistry(), undefined, readingKeptParse(file, kept));

    expect(found.ok).toBe(false);
    expect(found.diagnostics).toEqual(expected.diagnostics);
    expect(found.diagnostics[0]).toMatchObject({ line: 7 });
    expect(parses.count).toBe(1);
  });

  it('is not kept when JSON cannot carry the value exactly (.inf, -0)', async () => {
    const file = path.join(dir, 'numbers.yaml');
    for (const number of ['.inf', '-.inf', '.nan', '-0']) {
      writeFileSync(file, `apiVersion: stepwise/v1\nname: numbers\nversion: 1.0.0\nsteps:\n  - id: one\n    type: set\n    with: { values: { n: ${number} } }\n`);
      const read = await readRunbookFile(file);
      if (!read.ok) throw new Error(`the test runbook with ${number} does not parse`);
      expect(keepParse(read.source), number).toBeUndefined();
    }
  });
});
