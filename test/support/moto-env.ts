/**
 * What a test file that talks to moto calls: `const moto = useMoto()` at the top of the file,
 * then `describeMoto(...)` instead of `describe(...)`. Files that talk to a fake server call
 * useAwsEnvironment() themselves.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { stopLeftoverProcesses } from './leftover-processes.js';
import { dryRunChangeSetsLeft, dryRunWriteCalls, resetMoto, resetRecording, takeMotoLock } from './moto.js';

/** Every variable that could lead the SDK away from the emulator or to a developer's real account. */
const AWS_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
];

export interface MotoHandle {
  /** moto's URL; read it inside hooks and tests, not while the file is collected. */
  readonly url: string;
  readonly region: string;
}

const motoUrl = inject('motoUrl');
const skipReason = inject('motoSkipReason');

/**
 * `describe`, skipped with the reason in the title when moto_server is not installed (only
 * allowed outside CI: the global setup fails a CI run without it).
 */
export function describeMoto(name: string, body: () => void): void {
  const title = motoUrl ? name : `${name} (skipped: ${skipReason ?? 'moto is not running'})`;
  describe.skipIf(!motoUrl)(title, body);
}

/**
 * For the file's tests, points the SDK at `endpoint()` with test credentials, `region`, no
 * shared config or credentials files and no instance metadata; puts everything back after.
 */
export function useAwsEnvironment(options: { endpoint: () => string; region?: string }): void {
  const saved = new Map<string, string | undefined>();
  beforeAll(() => {
    const missing = join(tmpdir(), `stepwise-no-aws-files-${process.pid}`);
    for (const name of AWS_VARIABLES) saved.set(name, process.env[name]);
    for (const name of AWS_VARIABLES) delete process.env[name];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: options.endpoint(),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: options.region ?? 'us-east-1',
      AWS_CONFIG_FILE: join(missing, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(missing, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
  });
  afterAll(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

/**
 * Before the file's tests: takes the moto lock (files that reset moto must not overlap when
 * vitest runs files in parallel; the global setup holds it while it warms moto up), resets
 * moto and its recording, and sets up the environment for it. After them: releases the lock.
 */
export function useMoto(options: { region?: string } = {}): MotoHandle {
  const region = options.region ?? 'us-east-1';
  let releaseLock: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (!motoUrl) return;
    const lockFolder = inject('motoLockFolder');
    if (!lockFolder) throw new Error('the moto global setup provided no lock folder: is test/support/moto-global-setup.ts the globalSetup?');
    releaseLock = await takeMotoLock(join(lockFolder, 'lock'), LOCK_WAIT_MS);
    await resetMoto(motoUrl);
    await resetRecording(motoUrl);
  }, LOCK_WAIT_MS + 10_000);
  if (motoUrl) useAwsEnvironment({ endpoint: () => motoUrl, region });
  afterAll(async () => {
    try {
      await stopLeftoverProcesses();
      // every dry-run of the file, whatever test made it: none may have sent a write but a change set it deleted or kept for apply
      if (motoUrl && releaseLock) {
        const writes = await dryRunWriteCalls(motoUrl);
        if (writes.length > 0) throw new Error(`a dry-run sent ${writes.length} write call(s) to moto: ${writes.map((call) => `${call.service}:${call.operation}`).join(', ')}`);
        const { previews } = await dryRunChangeSetsLeft(motoUrl);
        if (previews.length > 0) throw new Error(`dry-runs left change sets they previewed with: ${previews.join(', ')}; a plan must delete them (only plan --out keeps one, for apply)`);
      }
    } finally {
      await releaseLock?.();
    }
  });

  return {
    get url() {
      if (!motoUrl) throw new Error(skipReason ?? 'moto is not running');
      return motoUrl;
    },
    region,
  };
}

/** Long enough for every other moto test file to finish first. */
const LOCK_WAIT_MS = 5 * 60_000;
