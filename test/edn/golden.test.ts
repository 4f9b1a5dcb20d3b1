import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import ednEnsure, { type EdnEnsureInput } from '../../steps/edn/ensure.js';
import { fakeStepContext } from '../support/step-context.js';
import { readValue, valueAtPath } from './read-independently.js';

// Each case NAME is NAME.case.json (one edit, or a list applied in order), NAME.in.edn
// (absent: the file does not exist) and either NAME.out.edn (the exact bytes expected) or
// NAME.err (the exact message expected; the file must be left untouched).
const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const CASES = readdirSync(GOLDEN)
  .filter((name) => name.endsWith('.case.json'))
  .map((name) => name.slice(0, -'.case.json'.length))
  .sort();

type Edit = Omit<EdnEnsureInput, 'file'>;

function readEdits(name: string): Edit[] {
  const parsed: Edit | Edit[] = JSON.parse(readFileSync(join(GOLDEN, `${name}.case.json`), 'utf8'));
  return Array.isArray(parsed) ? parsed : [parsed];
}

function goldenFile(name: string, suffix: string): Buffer | undefined {
  const path = join(GOLDEN, `${name}${suffix}`);
  return existsSync(path) ? readFileSync(path) : undefined;
}

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'edn-golden-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function applyEdits(edits: readonly Edit[]): Promise<void> {
  for (const edit of edits) await ednEnsure.run(fakeStepContext({ runbookDir: folder }), { file: 'deps.edn', ...edit });
}

it('has at least 15 golden cases, each expecting either a file or an error', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(15);
  for (const name of CASES) {
    expect([goldenFile(name, '.out.edn'), goldenFile(name, '.err')].filter(Boolean), name).toHaveLength(1);
  }
});

describe.each(CASES)('golden case %s', (name) => {
  const edits = readEdits(name);
  const input = goldenFile(name, '.in.edn');
  const expectedOut = goldenFile(name, '.out.edn');
  const expectedError = goldenFile(name, '.err')?.toString('utf8').replace(/\n$/, '');
  const target = () => join(folder, 'deps.edn');

  beforeEach(async () => {
    if (input !== undefined) await writeFile(target(), input);
  });

  if (expectedError !== undefined) {
    it('is refused with the expected message and the file untouched', async () => {
      await expect(applyEdits(edits)).rejects.toMatchObject({ name: 'StepFailure', message: expectedError, retryable: false });
      if (input !== undefined) expect(await readFile(target())).toEqual(input);
      expect(await readdir(folder)).toEqual(input === undefined ? [] : ['deps.edn']);
    });
    return;
  }

  it('produces the expected bytes', async () => {
    await applyEdits(edits);
    expect((await readFile(target())).toString('utf8')).toBe(expectedOut?.toString('utf8'));
  });

  it('changes nothing when run a second time', async () => {
    await applyEdits(edits);
    const first = await readFile(target());
    for (const edit of edits) {
      const context = fakeStepContext({ runbookDir: folder });
      expect(await ednEnsure.check?.(context, { file: 'deps.edn', ...edit })).toBe(true);
      expect(await ednEnsure.run(context, { file: 'deps.edn', ...edit })).toMatchObject({ changed: false, created: false });
    }
    expect(await readFile(target())).toEqual(first);
  });

  it('leaves a file that an independent EDN reader reads, with each value at its path', async () => {
    await applyEdits(edits);
    const written = await readFile(target(), 'utf8');
    for (const edit of edits) expect(valueAtPath(written, edit.path)).toEqual(readValue(edit.value));
  });
});
