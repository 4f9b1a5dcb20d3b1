import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { writeFileAtomically } from '../../steps/edn/write-file-atomically.js';

const failNextRename = vi.hoisted(() => ({ armed: false }));

// Stands for a crash or a full disk between writing the temporary file and renaming it.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (failNextRename.armed) {
        failNextRename.armed = false;
        throw new Error('simulated failure before the rename');
      }
      return actual.rename(from, to);
    },
  };
});

let folder: string;
let target: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'edn-write-'));
  target = join(folder, 'deps.edn');
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const RUN = '20260304-050607-ab12';

it('keeps one backup per run, named after it: the file as it was before the run\'s first write', async () => {
  await writeFile(target, 'v1');
  const existing = { bytes: Buffer.from('v1'), mode: 0o644, uid: 0, gid: 0 };
  const first = await writeFileAtomically({ path: target, text: 'v2', existing, keepBackup: true, backupName: RUN });
  const second = await writeFileAtomically({ path: target, text: 'v3', existing: { ...existing, bytes: Buffer.from('v2') }, keepBackup: true, backupName: RUN });
  const nextRun = await writeFileAtomically({ path: target, text: 'v4', existing: { ...existing, bytes: Buffer.from('v3') }, keepBackup: true, backupName: 'next-run' });
  expect(first).toBe(`${target}.${RUN}.bak`);
  expect(second).toBe(first);
  expect(nextRun).toBe(`${target}.next-run.bak`);
  expect(await readFile(target, 'utf8')).toBe('v4');
  expect(await readFile(first ?? '', 'utf8')).toBe('v1');
  expect(await readFile(nextRun ?? '', 'utf8')).toBe('v3');
  expect((await readdir(folder)).sort()).toEqual(['deps.edn', `deps.edn.${RUN}.bak`, 'deps.edn.next-run.bak']);
});

it('writes nothing, not even a backup, when the file changed since it was read', async () => {
  await writeFile(target, 'saved by an editor meanwhile');
  const stale = { bytes: Buffer.from('what the step read'), mode: 0o644, uid: 0, gid: 0 };
  await expect(
    writeFileAtomically({ path: target, text: 'edited', existing: stale, keepBackup: true, backupName: RUN }),
  ).rejects.toMatchObject({ code: 'edn-changed' });
  expect(await readFile(target, 'utf8')).toBe('saved by an editor meanwhile');
  expect(await readdir(folder)).toEqual(['deps.edn']);
});

it('does not overwrite a file that appeared since the step saw none', async () => {
  await writeFile(target, 'created meanwhile');
  await expect(
    writeFileAtomically({ path: target, text: 'new', existing: undefined, keepBackup: true, backupName: RUN }),
  ).rejects.toMatchObject({ code: 'edn-changed' });
  expect(await readFile(target, 'utf8')).toBe('created meanwhile');
});

it('leaves the original bytes and no temporary file when it fails just before the rename', async () => {
  await writeFile(target, 'v1');
  failNextRename.armed = true;
  const existing = { bytes: Buffer.from('v1'), mode: 0o644, uid: 0, gid: 0 };
  await expect(
    writeFileAtomically({ path: target, text: 'v2', existing, keepBackup: false, backupName: RUN }),
  ).rejects.toThrow('simulated failure');
  expect(await readFile(target, 'utf8')).toBe('v1');
  expect(await readdir(folder)).toEqual(['deps.edn']);
});
