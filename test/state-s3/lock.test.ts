import type { S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RUN_FORMAT, type RunRecord } from '../../engine/state/run-record.js';
import { openS3State } from '../../state/s3/s3-state-backend.js';
import { waitFor } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { newBucket, readObject, testS3, writeObject } from './support/s3.js';

const moto = useMoto();
const WORKER = fileURLToPath(new URL('./support/lock-worker.mjs', import.meta.url));
const RACES = 50;
const TAKEOVER_RACES = 20;

interface Attempt {
  runId: string;
  pid: number;
  won: boolean;
  said?: string[];
  message?: string;
}

/** A second and third stepwise process, each with its own S3 client, that race for locks on command. */
class LockWorker {
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;

  constructor(address: string) {
    this.child = spawn(process.execPath, [WORKER, address], { env: process.env, stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  get pid(): number {
    return this.child.pid!;
  }

  async ready(): Promise<void> {
    expect((await this.lines.next()).value).toBe('ready');
  }

  send(runId: string): void {
    this.child.stdin!.write(`acquire ${runId}\n`);
  }

  async answer(): Promise<Attempt> {
    const line = await this.lines.next();
    if (line.done) throw new Error(`lock worker ${this.pid} ended without answering`);
    return JSON.parse(line.value) as Attempt;
  }

  stop(): void {
    this.child.stdin!.end();
  }
}

/** Both at once: the commands go out back to back, so the two conditional writes meet in S3. */
async function race(workers: readonly LockWorker[], runId: string): Promise<Attempt[]> {
  for (const worker of workers) worker.send(runId);
  return Promise.all(workers.map((worker) => worker.answer()));
}

function holderOf(attempt: Attempt): RegExp {
  return new RegExp(`being driven by process ${attempt.pid} on ${os.hostname()} since \\S+;`);
}

describeMoto('S3 run locks between processes', () => {
  let s3: S3Client;
  let bucket: string;
  let workers: LockWorker[];

  beforeAll(async () => {
    s3 = testS3(moto.url);
    bucket = await newBucket(s3, 'locks');
    workers = [new LockWorker(`s3://${bucket}/team`), new LockWorker(`s3://${bucket}/team`)];
    await Promise.all(workers.map((worker) => worker.ready()));
  });

  afterAll(() => {
    for (const worker of workers ?? []) worker.stop();
  });

  it(`lets exactly one of two processes take a free lock, ${RACES} times over; the other names the winner`, { timeout: 120_000 }, async () => {
    const winners: number[] = [];
    for (let round = 1; round <= RACES; round++) {
      const attempts = await race(workers, `free-${round}`);
      const won = attempts.filter((attempt) => attempt.won);
      expect(won, `round ${round}: ${JSON.stringify(attempts)}`).toHaveLength(1);
      const loser = attempts.find((attempt) => !attempt.won)!;
      expect(loser.message, `round ${round}`).toMatch(holderOf(won[0]!));
      const lock = JSON.parse((await readObject(s3, bucket, `team/runs/free-${round}/lock`))!) as { pid: number };
      expect(lock.pid, `round ${round}: the lock object names the winner`).toBe(won[0]!.pid);
      winners.push(won[0]!.pid);
    }
    console.log(`free-lock races: process ${workers[0]!.pid} won ${winners.filter((pid) => pid === workers[0]!.pid).length} of ${RACES}, process ${workers[1]!.pid} the rest`);
  });

  it(`lets exactly one of two takers take over an expired lock, ${TAKEOVER_RACES} times over`, { timeout: 120_000 }, async () => {
    for (let round = 1; round <= TAKEOVER_RACES; round++) {
      const stale = { holder: `crashed-${round}`, host: 'another-host.example', pid: 4242, since: '2026-01-02T03:04:05.000Z', expires: new Date(Date.now() - 1000).toISOString() };
      await writeObject(s3, bucket, `team/runs/stale-${round}/lock`, JSON.stringify(stale));
      const attempts = await race(workers, `stale-${round}`);
      const won = attempts.filter((attempt) => attempt.won);
      expect(won, `round ${round}: ${JSON.stringify(attempts)}`).toHaveLength(1);
      expect(won[0]!.said).toEqual([`took over the lock of process 4242 on another-host.example (held since 2026-01-02T03:04:05.000Z, expired at ${stale.expires})`]);
      expect(attempts.find((attempt) => !attempt.won)!.message, `round ${round}`).toMatch(holderOf(won[0]!));
    }
  });

  it('never takes over a lock before its expiry, whoever holds it', async () => {
    const live = JSON.stringify({ holder: 'elsewhere', host: 'another-host.example', pid: 4242, since: '2026-01-02T03:04:05.000Z', expires: new Date(Date.now() + 3_600_000).toISOString() });
    await writeObject(s3, bucket, 'team/runs/live/lock', live);
    const attempts = await race(workers, 'live');
    expect(attempts.map((attempt) => attempt.won)).toEqual([false, false]);
    for (const attempt of attempts) expect(attempt.message).toMatch(/being driven by process 4242 on another-host.example since 2026-01-02T03:04:05.000Z; .*expires at /);
    expect(await readObject(s3, bucket, 'team/runs/live/lock')).toBe(live);
  });
});

describeMoto('an S3 run lock over time', () => {
  let s3: S3Client;
  let bucket: string;
  const record = (runId: string): RunRecord => ({
    format: RUN_FORMAT,
    runId,
    runbook: { path: '/x.yaml', name: 'x', version: '1.0.0', sha256: 'b'.repeat(64) },
    params: {},
    secretParams: [],
    settingsOverrides: {},
    engineVersion: '0.1.0',
    startedAt: new Date().toISOString(),
    host: os.hostname(),
    user: 'ops',
  });
  const started = { type: 'run-started', runId: 'r', runbook: 'x', version: '1.0.0', dryRun: false, at: new Date().toISOString() } as const;
  const expiresOf = async (key: string) => (JSON.parse((await readObject(s3, bucket, key)) ?? '{}') as { expires?: string }).expires;

  beforeAll(async () => {
    s3 = testS3(moto.url);
    bucket = await newBucket(s3, 'lock-times');
  });

  it('is renewed by its holder beyond its lifetime, so nobody can take it over meanwhile', { timeout: 30_000 }, async () => {
    const address = `s3://${bucket}/renewed?lock-ttl=1s`;
    const holder = await openS3State(address);
    const { journal, lock } = await holder.create(record('kept'), 'steps: []\n', () => undefined);
    const key = 'renewed/runs/kept/lock';
    const first = await expiresOf(key);
    await waitFor('the lock to outlive its first expiry', () => Date.now() > Date.parse(first!) + 1000, 10_000);
    expect(Date.parse((await expiresOf(key))!)).toBeGreaterThan(Date.now());
    await expect((await openS3State(address)).lock('kept', () => undefined)).rejects.toThrow(/is being driven by process/);
    await journal.onEvent(started);
    await lock.release();
    expect(await readObject(s3, bucket, key)).toBeUndefined();
  });

  it('tells its holder when another process took it over, and the holder journals nothing more', { timeout: 30_000 }, async () => {
    const address = `s3://${bucket}/taken?lock-ttl=1s`;
    const said: string[] = [];
    const holder = await openS3State(address);
    const { journal, lock } = await holder.create(record('lost'), 'steps: []\n', (message) => said.push(message));
    await journal.onEvent(started);
    const taker = { holder: 'taker', host: 'another-host.example', pid: 4343, since: '2026-01-02T03:04:05.000Z', expires: new Date(Date.now() + 3_600_000).toISOString() };
    await writeObject(s3, bucket, 'taken/runs/lost/lock', JSON.stringify(taker));

    await waitFor('the holder to notice at its next renewal', () => said.length > 0, 10_000);
    expect(said).toEqual([`lost the lock of the run ${address.replace('?lock-ttl=1s', '')}/runs/lost/: process 4343 on another-host.example took it over at 2026-01-02T03:04:05.000Z`]);
    await expect(journal.onEvent({ ...started, type: 'run-started' })).rejects.toThrow(/this process lost the lock of the run .*: process 4343 on another-host.example took it over/);
    await lock.release();
    expect(JSON.parse((await readObject(s3, bucket, 'taken/runs/lost/lock'))!), 'releasing a lost lock leaves the taker\'s').toEqual(taker);
  });
});
