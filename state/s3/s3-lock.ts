import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { UsageError } from '../../engine/exit-codes.js';
import type { HeldLock, Say } from '../../engine/state/state-backend.js';
import type { S3Objects, StoredObject } from './s3-objects.js';

/** What the lock object holds: who drives the run, and until when unless renewed. */
export interface S3LockBody {
  /** Unique to one acquisition, so that a holder recognizes its own lock. */
  holder: string;
  host: string;
  pid: number;
  since: string;
  expires: string;
}

/** A takeover that lost to another taker reads the lock again; so does a create that met a vanishing lock. */
const ACQUIRE_ROUNDS = 5;

/**
 * One object per run, created only if absent (If-None-Match). Its holder renews its expiry on
 * a timer, each time only if the object is still the version it wrote (If-Match on the ETag),
 * so a holder that lost the lock learns it. A lock whose expiry passed is taken over with
 * If-Match on the ETag read: of two takers, S3 lets only one write.
 */
export class S3RunLock implements HeldLock {
  private readonly id = randomUUID();
  private etag: string | undefined;
  private since = '';
  /** When the lock expires, by this machine's clock, unless renewed. */
  private heldUntil = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  /** Renewals and the release, one at a time: each needs the ETag the one before left. */
  private pending: Promise<void> = Promise.resolve();
  private lostBecause: string | undefined;

  constructor(
    private readonly objects: S3Objects,
    private readonly key: string,
    /** The run's address, for messages. */
    private readonly runAddress: string,
    private readonly ttlMs: number,
    private readonly say: Say,
  ) {}

  async acquire(): Promise<void> {
    let holder: S3LockBody | undefined;
    for (let round = 0; round < ACQUIRE_ROUNDS; round++) {
      const body = this.body(new Date().toISOString());
      const created = await this.objects.put(this.key, body, { ifNoneMatch: true });
      if (created.written) return this.hold(created.etag);
      const current = await this.objects.get(this.key);
      if (current === undefined) continue;
      holder = parseLockBody(current.body);
      // a create whose answer was lost and that the SDK sent again: the lock is already ours
      if (holder?.holder === this.id) return this.hold(current.etag);
      if (!hasExpired(holder, current, this.ttlMs)) throw heldBy(holder, this.runAddress);
      const taken = await this.objects.put(this.key, body, { ifMatch: current.etag });
      if (taken.written) {
        this.say(holder ? `took over the lock of process ${holder.pid} on ${holder.host} (held since ${holder.since}, expired at ${holder.expires})` : 'replaced an unreadable lock');
        return this.hold(taken.etag);
      }
    }
    throw heldBy(holder, this.runAddress);
  }

  /** Throws when this process may no longer drive the run: another took the lock, or it could not be renewed in time. */
  assertHeld(): void {
    if (this.lostBecause === undefined && Date.now() >= this.heldUntil) this.lostBecause = `it expired at ${new Date(this.heldUntil).toISOString()} before it could be renewed`;
    if (this.lostBecause !== undefined) {
      throw new UsageError(`this process lost the lock of the run ${this.runAddress}: ${this.lostBecause}; it stops here. Check who drives the run now with \`stepwise show\`, then resume it if nobody does`);
    }
  }

  /** A lock that cannot be removed is left to expire: the run's outcome stands either way. */
  async release(): Promise<void> {
    this.stopRenewing();
    await this.serially(async () => {
      if (this.etag === undefined || this.lostBecause !== undefined) return;
      try {
        await this.objects.deleteIfMatch(this.key, this.etag);
      } catch (error) {
        this.say(`could not remove the lock of the run ${this.runAddress} (${(error as Error).message}); it expires at ${new Date(this.heldUntil).toISOString()}`);
      }
      this.etag = undefined;
    });
  }

  private hold(etag: string): void {
    this.etag = etag;
    this.heldUntil = Date.now() + this.ttlMs;
    // A third of its life: two renewals can fail before the lock is lost.
    this.renewTimer = setInterval(() => void this.serially(() => this.renew()), Math.max(200, Math.floor(this.ttlMs / 3)));
    // The timer must not keep a finished process alive; the run's own work does that.
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    if (this.etag === undefined || this.lostBecause !== undefined) return;
    const asked = Date.now();
    let renewed;
    try {
      renewed = await this.objects.put(this.key, this.body(this.since), { ifMatch: this.etag });
    } catch {
      // S3 unreachable for now: the next round tries again, and assertHeld() stops the run once the lock has expired
      return;
    }
    if (renewed.written) {
      this.etag = renewed.etag;
      this.heldUntil = asked + this.ttlMs;
      return;
    }
    let current;
    try {
      current = await this.objects.get(this.key);
    } catch {
      return;
    }
    const taker = current ? parseLockBody(current.body) : undefined;
    // a renewal whose answer was lost and that the SDK sent again found its own write
    if (current && taker?.holder === this.id) {
      this.etag = current.etag;
      this.heldUntil = asked + this.ttlMs;
      return;
    }
    this.lostBecause = taker ? `process ${taker.pid} on ${taker.host} took it over at ${taker.since}` : 'it was removed';
    this.stopRenewing();
    this.say(`lost the lock of the run ${this.runAddress}: ${this.lostBecause}`);
  }

  private body(since: string): string {
    this.since = since;
    const lock: S3LockBody = { holder: this.id, host: os.hostname(), pid: process.pid, since, expires: new Date(Date.now() + this.ttlMs).toISOString() };
    return JSON.stringify(lock);
  }

  private stopRenewing(): void {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.pending.then(work);
    this.pending = next.catch(() => undefined);
    return next;
  }
}

export function parseLockBody(text: string): S3LockBody | undefined {
  try {
    const body = JSON.parse(text) as Partial<S3LockBody>;
    const valid = typeof body.holder === 'string' && typeof body.host === 'string' && typeof body.pid === 'number' && typeof body.since === 'string' && !Number.isNaN(Date.parse(body.expires ?? ''));
    return valid ? (body as S3LockBody) : undefined;
  } catch {
    return undefined;
  }
}

/** By its own expiry; a lock nobody can read expires a lifetime after it was last written. */
export function hasExpired(holder: S3LockBody | undefined, object: StoredObject, ttlMs: number): boolean {
  if (holder) return Date.parse(holder.expires) <= Date.now();
  return object.lastModified !== undefined && object.lastModified.getTime() + ttlMs <= Date.now();
}

function heldBy(holder: S3LockBody | undefined, runAddress: string): UsageError {
  const who = holder ? `process ${holder.pid} on ${holder.host} since ${holder.since}` : 'another process';
  const until = holder ? ` (its lock expires at ${holder.expires} unless that process renews it)` : '';
  return new UsageError(`the run ${runAddress} is being driven by ${who}; wait for it to finish, or stop that process first${until}`);
}
