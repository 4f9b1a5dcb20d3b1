/**
 * `stepwise validate` of runbooks that run one another reads and parses each file once: every
 * read of a runbook file is counted here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateCommand } from '../../engine/cli/validate-command.js';

const reads = vi.hoisted(() => [] as string[]);

vi.mock('../../engine/load/read-runbook-file.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../engine/load/read-runbook-file.js')>();
  return {
    ...original,
    readRunbookFile: (file: string) => {
      reads.push(path.resolve(file));
      return original.readRunbookFile(file);
    },
  };
});

const CHILD = `apiVersion: stepwise/v1
name: child
version: 1.0.0
steps:
  - id: say
    type: set
    with: { values: { said: hello } }
`;

const PARENT = `apiVersion: stepwise/v1
name: parent
version: 1.0.0
steps:
  - id: first
    type: runbook
    with: { path: ./child.yaml }
  - id: again
    type: runbook
    with: { path: ./child.yaml }
`;

let folder: string;
let printed: string;

beforeEach(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'stepwise-reads-once-'));
  reads.length = 0;
  printed = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  rmSync(folder, { recursive: true, force: true });
});

describe('validate of runbooks that run one another', () => {
  it('reads each file once, and names each as it was given', async () => {
    const child = path.join(folder, 'child.yaml');
    const parent = path.join(folder, 'parent.yaml');
    writeFileSync(child, CHILD);
    writeFileSync(parent, PARENT);
    const relativeChild = path.relative(process.cwd(), child);
    await validateCommand([parent, relativeChild], { stateDir: path.join(folder, 'state') });
    expect(printed).toBe(`${parent}: valid\n${relativeChild}: valid\n`);
    expect(reads.sort()).toEqual([child, parent]);
  });

  it('locates a problem of a sub-runbook in each runbook that runs it, and in its own file as it was named', async () => {
    const child = path.join(folder, 'child.yaml');
    const parent = path.join(folder, 'parent.yaml');
    writeFileSync(child, CHILD.replace('type: set', 'type: sett'));
    writeFileSync(parent, PARENT);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await validateCommand([parent, path.relative(process.cwd(), child)], { json: true, stateDir: path.join(folder, 'state') });
    stderr.mockRestore();
    const result = JSON.parse(printed) as { files: { file: string; valid: boolean; diagnostics: { file: string; rule: string }[] }[] };
    expect(result.files.map((file) => [file.file, file.valid])).toEqual([
      [parent, false],
      [path.relative(process.cwd(), child), false],
    ]);
    // the parent lists the child's problem in the child's file, as the step names it, once a step
    expect(result.files[0]!.diagnostics.filter((d) => d.rule === 'unknown-step-type').map((d) => d.file)).toEqual([child, child]);
    expect(result.files[1]!.diagnostics.filter((d) => d.rule === 'unknown-step-type').map((d) => d.file)).toEqual([path.relative(process.cwd(), child)]);
    expect(reads.sort()).toEqual([child, parent]);
  });
});
