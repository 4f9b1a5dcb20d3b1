import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { fakeStepContext } from '../support/step-context.js';

const parserLoads = vi.hoisted(() => ({ count: 0 }));

vi.mock('@nextjournal/lezer-clojure', async (importOriginal) => {
  parserLoads.count += 1;
  return importOriginal();
});

it('loads the parser only when the step checks, plans or runs, not when it is imported', async () => {
  const { default: ednEnsure } = await import('../../steps/edn/ensure.js');
  expect(ednEnsure.type).toBe('edn.ensure');
  expect(parserLoads.count).toBe(0);

  const folder = await mkdtemp(join(tmpdir(), 'edn-lazy-'));
  try {
    await ednEnsure.check?.(fakeStepContext({ runbookDir: folder }), { file: 'deps.edn', path: [':deps'], value: '{}' });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  expect(parserLoads.count).toBe(1);
});
