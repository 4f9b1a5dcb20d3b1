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

const NOW = new Date('2026-03-04T05:06:07.890Z');

it('names the backup after the UTC time, with a counter when that name is taken', async () => {
  await writeFile(target, 'v1');
  const existing = { bytes: Buffer.from('v1'), mode: 0o644, uid: 0, gid: 0 };
  const first = await writeFileAtomically({ path: target, text: 'v2', existing, keepBackup: true, now: NOW });
  const second = await writeFileAtomically({ path: target, text: 'v3', existing: { ...existing, bytes: Buffer.from('v2') }, keepBackup: true, now: NOW });
  expect(first).toBe(`${target}.20260304T050607Z.bak`);
  expect(second).toBe(`${target}.20260304T050607Z-2.bak`);
  expect(await readFile(target, 'utf8')).toBe('v3');
  expect(await readFile(first ?? '', 'utf8')).toBe('v1');
  expect(await readFile(second ?? '', 'utf8')).toBe('v2');
});

it('writes nothing, not even a backup, when the file changed since it was read', async () => {
  await writeFile(target, 'saved by an editor meanwhile');
  const stale = { bytes: Buffer.from('what the step read'), mode: 0o644, uid: 0, gid: 0 };
  await expect(
    writeFileAtomically({ path: target, text: 'edited', existing: stale, keepBackup: true, now: NOW }),
  ).rejects.toMatchObject({ code: 'edn-changed' });
  expect(await readFile(target, 'utf8')).toBe('saved by an editor meanwhile');
  expect(await readdir(folder)).toEqual(['deps.edn']);
});

it('does not overwrite a file that appeared since the step saw none', async () => {
  await writeFile(target, 'created meanwhile');
  await expect(
    writeFileAtomically({ path: target, text: 'new', existing: undefined, keepBackup: true, now: NOW }),
  ).rejects.toMatchObject({ code: 'edn-changed' });
  expect(await readFile(target, 'utf8')).toBe('created meanwhile');
});

it('leaves the original bytes and no temporary file when it fails just before the rename', async () => {
  await writeFile(target, 'v1');
  failNextRename.armed = true;
  const existing = { bytes: Buffer.from('v1'), mode: 0o644, uid: 0, gid: 0 };
  await expect(
    writeFileAtomically({ path: target, text: 'v2', existing, keepBackup: false, now: NOW }),
  ).rejects.toThrow('simulated failure');
  expect(await readFile(target, 'utf8')).toBe('v1');
  expect(await readdir(folder)).toEqual(['deps.edn']);
});
