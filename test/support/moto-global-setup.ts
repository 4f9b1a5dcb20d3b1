/**
 * One moto_server for the whole test run (vitest `globalSetup`). Test files reach it through
 * `inject('motoUrl')`, by way of useMoto() in ./moto-env.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { MOTO_INSTALL_HINT, findMotoServer, startMoto, takeMotoLock, warmUpMoto } from './moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** moto's URL, or null when moto_server is not installed (only allowed outside CI). */
    motoUrl: string | null;
    /** Why moto-dependent tests are skipped, when they are. */
    motoSkipReason: string | null;
    /** A folder whose `lock` entry serializes the test files that use moto (they reset it); null without moto. */
    motoLockFolder: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!(await findMotoServer())) {
    if (process.env.CI) throw new Error(`${MOTO_INSTALL_HINT} (the CI variable is set, so tests that need moto may not be skipped)`);
    const reason = `${MOTO_INSTALL_HINT}; the tests that need moto are skipped`;
    console.warn(`\n[stepwise] ${reason}\n`);
    project.provide('motoUrl', null);
    project.provide('motoSkipReason', reason);
    project.provide('motoLockFolder', null);
    return async () => undefined;
  }
  const moto = await startMoto();
  const lockFolder = await mkdtemp(join(tmpdir(), 'stepwise-moto-lock-'));
  project.provide('motoUrl', moto.url);
  project.provide('motoSkipReason', null);
  project.provide('motoLockFolder', lockFolder);
  // Warm moto up while vitest loads the test files; the lock keeps their resets out meanwhile.
  // A failed warm-up only means that the first test pays for it.
  const releaseLock = await takeMotoLock(join(lockFolder, 'lock'), 0);
  const warmedUp = warmUpMoto(moto.url)
    .catch(() => undefined)
    .finally(releaseLock);
  return async () => {
    await warmedUp;
    await moto.stop();
    await rm(lockFolder, { recursive: true, force: true });
  };
}
