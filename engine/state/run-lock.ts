import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../exit-codes.js';

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** A takeover marker left by a taker that died is ignored after this long. */
const TAKEOVER_STALE_MS = 30_000;

/**
 * Only one process drives a run. The lock file is created exclusively; a lock whose process
 * is gone from this host is taken over, and a second marker makes two takers agree on one.
 */
export class RunLock {
  private held = false;

  constructor(
    private readonly folder: string,
    private readonly say: (message: string) => void,
  ) {}

  get file(): string {
    return path.join(this.folder, 'lock');
  }

  acquire(): void {
    if (this.tryCreate()) return;
    const holder = this.readHolder();
    if (holder && !isStale(holder)) throw heldBy(holder, this.folder);
    this.takeOver(holder);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      unlinkSync(this.file);
    } catch {
      return;
    }
  }

  private tryCreate(): boolean {
    let fd: number;
    try {
      fd = openSync(this.file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    const holder: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(holder));
    closeSync(fd);
    this.held = true;
    return true;
  }

  private takeOver(stale: LockHolder | undefined): void {
    const marker = `${this.file}.takeover`;
    clearAbandonedMarker(marker);
    let fd: number;
    try {
      fd = openSync(marker, 'wx', 0o600);
    } catch {
      throw heldBy(this.readHolder() ?? stale, this.folder);
    }
    closeSync(fd);
    try {
      const current = this.readHolder();
      if (current && !isStale(current)) throw heldBy(current, this.folder);
      unlinkSync(this.file);
      if (!this.tryCreate()) throw heldBy(this.readHolder(), this.folder);
      this.say(stale ? `took over the lock of process ${stale.pid} (no longer running on ${stale.host}, held since ${stale.since})` : 'replaced an unreadable lock file');
    } finally {
      unlinkSync(marker);
    }
  }

  private readHolder(): LockHolder | undefined {
    try {
      const holder = JSON.parse(readFileSync(this.file, 'utf8')) as LockHolder;
      return typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Only a lock of this host can be judged: a process elsewhere may be alive. */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function clearAbandonedMarker(marker: string): void {
  try {
    if (Date.now() - statSync(marker).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(marker);
  } catch {
    return;
  }
}

function heldBy(holder: LockHolder | undefined, folder: string): UsageError {
  const who = holder ? `process ${holder.pid} on ${holder.host} since ${holder.since}` : 'another process';
  return new UsageError(`the run in ${folder} is being driven by ${who}; wait for it to finish, or stop that process first`);
}
