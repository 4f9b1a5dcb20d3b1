import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ednEnsure from '../../steps/edn/ensure.js';
import { resolveFile } from '../../steps/edn/resolve-file.js';
import { fakeStepContext } from '../support/step-context.js';

const REPO_PATH = [':mvn/repos', '"datomic-cloud"'];
const REPO_VALUE = '{:url "s3://datomic-releases-1fc2183a/maven/releases"}';
const ORIGINAL = '{:paths ["src"] ; sources\n :deps {org.clojure/clojure {:mvn/version "1.12.0"}}}\n';
/** fakeContext's run id names the backup. */
const BACKUP_NAME = /^deps\.edn\.run-test\.bak$/;

let folder: string;
let depsFile: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'edn-ensure-'));
  depsFile = join(folder, 'deps.edn');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(folder, { recursive: true, force: true });
});

const addRepo = { file: 'deps.edn', path: REPO_PATH, value: REPO_VALUE };

describe('input schema', () => {
  const validate = new Ajv2020({ useDefaults: true }).compile(ednEnsure.input);

  it('accepts the documented inputs and fills in the defaults', () => {
    const input = { ...addRepo };
    expect(validate(input)).toBe(true);
    expect(input).toMatchObject({ replace: false, backup: true });
  });

  it.each([
    [{ path: REPO_PATH, value: REPO_VALUE }],
    [{ ...addRepo, path: [] }],
    [{ ...addRepo, path: ':mvn/repos' }],
    [{ ...addRepo, value: '' }],
    [{ ...addRepo, overwrite: true }],
  ])('refuses %j', (input) => {
    expect(validate(input)).toBe(false);
  });
});

describe('plan', () => {
  it('shows a unified diff of the change and writes nothing', async () => {
    await writeFile(depsFile, ORIGINAL);
    const before = await stat(depsFile);
    const plan = await ednEnsure.plan?.(fakeStepContext({ runbookDir: folder }), addRepo);
    expect(plan).toEqual({
      summary: `edit deps.edn: add :mvn/repos "datomic-cloud" ${REPO_VALUE}`,
      details: [
        '--- deps.edn',
        '+++ deps.edn',
        '@@ -1,2 +1,3 @@',
        ' {:paths ["src"] ; sources',
        '- :deps {org.clojure/clojure {:mvn/version "1.12.0"}}}',
        '+ :deps {org.clojure/clojure {:mvn/version "1.12.0"}}',
        `+ :mvn/repos {"datomic-cloud" ${REPO_VALUE}}}`,
        '',
      ].join('\n'),
    });
    expect(await readFile(depsFile, 'utf8')).toBe(ORIGINAL);
    expect((await stat(depsFile)).mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(folder)).toEqual(['deps.edn']);
  });

  it('plans the creation of a missing file, and its folder, without creating either', async () => {
    const plan = await ednEnsure.plan?.(fakeStepContext({ runbookDir: folder }), { ...addRepo, file: 'home/.clojure/deps.edn' });
    expect(plan).toMatchObject({
      summary: `create home/.clojure/deps.edn: add :mvn/repos "datomic-cloud" ${REPO_VALUE}`,
      details: expect.stringContaining(`--- /dev/null\n+++ home/.clojure/deps.edn\n@@ -0,0 +1,1 @@\n+{:mvn/repos {"datomic-cloud" ${REPO_VALUE}}}\n`),
    });
    expect(await readdir(folder)).toEqual([]);
  });

  it('says so when the value is already there', async () => {
    await writeFile(depsFile, `{:mvn/repos {"datomic-cloud" ${REPO_VALUE}}}\n`);
    expect(await ednEnsure.plan?.(fakeStepContext({ runbookDir: folder }), addRepo)).toEqual({
      summary: `deps.edn already holds :mvn/repos "datomic-cloud" ${REPO_VALUE}: nothing to change`,
    });
  });

  it('fails on a conflict, as the run would', async () => {
    await writeFile(depsFile, '{:mvn/repos {"datomic-cloud" {:url "s3://elsewhere"}}}\n');
    await expect(ednEnsure.plan?.(fakeStepContext({ runbookDir: folder }), addRepo)).rejects.toMatchObject({
      code: 'edn-conflict',
      retryable: false,
      message: expect.stringMatching(/^deps\.edn:1:30: .*set replace: true to overwrite it$/),
    });
  });
});

describe('check', () => {
  it('is false until the value is in place, true afterwards', async () => {
    await writeFile(depsFile, ORIGINAL);
    expect(await ednEnsure.check?.(fakeStepContext({ runbookDir: folder }), addRepo)).toBe(false);
    await ednEnsure.run(fakeStepContext({ runbookDir: folder }), addRepo);
    expect(await ednEnsure.check?.(fakeStepContext({ runbookDir: folder }), addRepo)).toBe(true);
  });

  it('is false, not a failure, when a different value is there', async () => {
    await writeFile(depsFile, '{:mvn/repos {"datomic-cloud" {:url "s3://elsewhere"}}}\n');
    expect(await ednEnsure.check?.(fakeStepContext({ runbookDir: folder }), addRepo)).toBe(false);
  });

  it('is false for a missing file', async () => {
    expect(await ednEnsure.check?.(fakeStepContext({ runbookDir: folder }), addRepo)).toBe(false);
  });
});

describe('run', () => {
  it('reports the change, keeps the old bytes in a backup named after the run and logs the edit and the backup', async () => {
    await writeFile(depsFile, ORIGINAL);
    const context = fakeStepContext({ runbookDir: folder });
    const result = await ednEnsure.run(context, addRepo);
    const files = await readdir(folder);
    const backupName = files.find((name) => name !== 'deps.edn');
    expect(files).toHaveLength(2);
    expect(backupName).toMatch(BACKUP_NAME);
    expect(result).toEqual({ file: depsFile, changed: true, created: false, backup: join(folder, backupName ?? '') });
    expect(await readFile(join(folder, backupName ?? ''), 'utf8')).toBe(ORIGINAL);
    expect(context.logs).toEqual([`added :mvn/repos "datomic-cloud" in ${depsFile}`, `backup of ${depsFile} (one for run run-test): ${join(folder, 'deps.edn.run-test.bak')}`]);
  });

  it('keeps one backup per run: two edits of the file in one run share the one made before the first', async () => {
    await writeFile(depsFile, ORIGINAL);
    const first = await ednEnsure.run(fakeStepContext({ runbookDir: folder }), addRepo);
    const second = await ednEnsure.run(fakeStepContext({ runbookDir: folder }), { file: 'deps.edn', path: [':deps', 'com.datomic/ion'], value: '{:mvn/version "1.0.68"}' });
    const backups = (await readdir(folder)).filter((name) => name !== 'deps.edn');
    expect(backups).toEqual(['deps.edn.run-test.bak']);
    expect(await readFile(join(folder, 'deps.edn.run-test.bak'), 'utf8')).toBe(ORIGINAL);
    expect(first).toMatchObject({ backup: join(folder, 'deps.edn.run-test.bak') });
    expect(second).toMatchObject({ backup: join(folder, 'deps.edn.run-test.bak') });
    await ednEnsure.run(fakeStepContext({ runbookDir: folder, runId: 'next-run' }), { ...addRepo, replace: true, value: '{:url "s3://elsewhere"}' });
    expect((await readdir(folder)).filter((name) => name !== 'deps.edn').sort()).toEqual(['deps.edn.next-run.bak', 'deps.edn.run-test.bak']);
  });

  it('keeps no backup when asked not to, and none for a file it creates', async () => {
    await writeFile(depsFile, ORIGINAL);
    expect(await ednEnsure.run(fakeStepContext({ runbookDir: folder }), { ...addRepo, backup: false })).not.toHaveProperty('backup');
    await ednEnsure.run(fakeStepContext({ runbookDir: folder }), { ...addRepo, file: 'new/deps.edn' });
    expect((await readdir(folder)).sort()).toEqual(['deps.edn', 'new']);
    expect(await readdir(join(folder, 'new'))).toEqual(['deps.edn']);
  });

  it('creates a missing file and its folders', async () => {
    const result = await ednEnsure.run(fakeStepContext({ runbookDir: folder }), { ...addRepo, file: '.clojure/deps.edn' });
    const created = join(folder, '.clojure', 'deps.edn');
    expect(result).toEqual({ file: created, changed: true, created: true });
    expect(await readFile(created, 'utf8')).toBe(`{:mvn/repos {"datomic-cloud" ${REPO_VALUE}}}\n`);
  });

  it('replaces the file by rename, keeping its mode, and leaves no temporary file', async () => {
    await writeFile(depsFile, ORIGINAL);
    await chmod(depsFile, 0o640);
    const before = await stat(depsFile);
    const result = await ednEnsure.run(fakeStepContext({ runbookDir: folder }), addRepo);
    const after = await stat(depsFile);
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o7777).toBe(0o640);
    expect((await stat(String((result as { backup: string }).backup))).mode & 0o7777).toBe(0o640);
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('edits the target of a symlinked deps.edn and keeps the link', async () => {
    await mkdir(join(folder, 'dotfiles'));
    const real = join(folder, 'dotfiles', 'deps.edn');
    await writeFile(real, ORIGINAL);
    await symlink(real, depsFile);
    const result = await ednEnsure.run(fakeStepContext({ runbookDir: folder }), addRepo);
    expect(result).toMatchObject({ file: real, changed: true });
    expect((await lstat(depsFile)).isSymbolicLink()).toBe(true);
    expect(await readlink(depsFile)).toBe(real);
    expect(await readFile(real, 'utf8')).toContain('"datomic-cloud"');
  });

  it('expands ~ to the home folder', async () => {
    vi.stubEnv('HOME', folder);
    const result = await ednEnsure.run(fakeStepContext({ runbookDir: '/nonexistent-runbook-dir' }), { ...addRepo, file: '~/.clojure/deps.edn' });
    expect(result).toMatchObject({ file: join(folder, '.clojure', 'deps.edn'), created: true });
  });

  it('replaces only the value text when replace is true', async () => {
    const old = '{:mvn/repos {"datomic-cloud" {:url "s3://elsewhere"}}} ; mine\n';
    await writeFile(depsFile, old);
    const result = await ednEnsure.run(fakeStepContext({ runbookDir: folder }), { ...addRepo, replace: true });
    expect(result).toMatchObject({ changed: true, created: false });
    expect(await readFile(depsFile, 'utf8')).toBe(`{:mvn/repos {"datomic-cloud" ${REPO_VALUE}}} ; mine\n`);
  });

  it('does not write once the step is cancelled', async () => {
    await writeFile(depsFile, ORIGINAL);
    const controller = new AbortController();
    controller.abort();
    await expect(ednEnsure.run(fakeStepContext({ runbookDir: folder, signal: controller.signal }), addRepo)).rejects.toThrow();
    expect(await readdir(folder)).toEqual(['deps.edn']);
    expect(await readFile(depsFile, 'utf8')).toBe(ORIGINAL);
  });

  it('refuses a file that is not UTF-8', async () => {
    await writeFile(depsFile, Buffer.from([0x7b, 0xff, 0x7d]));
    await expect(ednEnsure.run(fakeStepContext({ runbookDir: folder }), addRepo)).rejects.toMatchObject({
      message: 'deps.edn: the file is not UTF-8 text; deps.edn files must be UTF-8',
      retryable: false,
    });
  });

  it('names the file when it cannot be read', async () => {
    await mkdir(depsFile);
    await expect(ednEnsure.run(fakeStepContext({ runbookDir: folder }), addRepo)).rejects.toMatchObject({
      name: 'StepFailure',
      code: 'edn-io',
      retryable: false,
      message: expect.stringMatching(/^deps\.edn: cannot read the file: EISDIR/),
    });
  });

  it('points into with.path when a key is malformed', async () => {
    await expect(ednEnsure.run(fakeStepContext({ runbookDir: folder }), { ...addRepo, path: [':mvn/repos', '"datomic-cloud'] })).rejects.toMatchObject({
      message: 'with.path[1]:1:1: this string is never closed: expected a closing " before the end of the file',
    });
  });
});

describe('resolveFile', () => {
  it.each([
    ['~', '/home/op'],
    ['~/.clojure/deps.edn', '/home/op/.clojure/deps.edn'],
    ['deps.edn', '/runbooks/deps.edn'],
    ['../project/deps.edn', '/project/deps.edn'],
    ['/etc/deps.edn', '/etc/deps.edn'],
  ])('%s', (file, expected) => {
    expect(resolveFile(file, '/runbooks', '/home/op')).toBe(expected);
  });
});
