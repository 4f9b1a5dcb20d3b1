import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../exit-codes.js';

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/**
 * A takeover marker whose taker cannot be checked (another host) is ignored after this long:
 * a takeover takes milliseconds.
 */
const TAKEOVER_STALE_MS = 30_000;

/**
 * Only one process drives a run. The lock file is created exclusively; a lock whose process
 * is gone from this host is taken over, and a takeover marker makes two takers agree on one.
 */
export class RunLock {
  private held = false;
  /** A process that exits at once (a second Ctrl-C) leaves no lock behind. */
  private readonly releaseAtExit = (): void => this.release();

  constructor(
    private readonly folder: string,
    private readonly say: (message: string) => void,
  ) {}

  get file(): string {
    return lockFileIn(this.folder);
  }

  acquire(): void {
    if (this.tryCreate()) return;
    const holder = readHolder(this.file);
    if (holder && !isStale(holder)) throw heldBy(holder, this.folder);
    this.takeOver();
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    process.off('exit', this.releaseAtExit);
    removeIfPresent(this.file);
  }

  private tryCreate(): boolean {
    if (!createExclusive(this.file, JSON.stringify(thisProcess()))) return false;
    this.held = true;
    process.on('exit', this.releaseAtExit);
    return true;
  }

  private takeOver(): void {
    const markers = enterTakeover(`${this.file}.takeover`);
    if (!markers) throw heldBy(liveHolder(this.file), this.folder);
    try {
      const current = readHolder(this.file);
      if (current && !isStale(current)) throw heldBy(current, this.folder);
      const replaced = removeIfPresent(this.file);
      if (!this.tryCreate()) throw heldBy(liveHolder(this.file), this.folder);
      if (current) this.say(`took over the lock of process ${current.pid} (no longer running on ${current.host}, held since ${current.since})`);
      else if (replaced) this.say('replaced an unreadable lock file');
    } finally {
      for (const marker of markers) removeIfPresent(marker);
    }
  }
}

/** Whether a live process drives the run in `folder` (one on another host is taken to be alive). */
export function lockIsHeld(folder: string): boolean {
  return liveHolder(lockFileIn(folder)) !== undefined;
}

function lockFileIn(folder: string): string {
  return path.join(folder, 'lock');
}

function thisProcess(): LockHolder {
  return { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
}

/**
 * Claims the right to replace a dead holder's lock by creating `marker`. A marker left by a
 * taker that died is claimed through a marker of its own (`<marker>.<pid>`), so that of the
 * processes that find it abandoned only one goes on, and only while it is still the one they
 * judged. Returns the markers to remove once done, or undefined when another taker is at work.
 */
function enterTakeover(marker: string): string[] | undefined {
  if (createExclusive(marker, JSON.stringify(thisProcess()))) return [marker];
  const found = readText(marker);
  if (found === undefined) return enterTakeover(marker);
  if (!isAbandonedMarker(marker, found)) return undefined;
  const inner = enterTakeover(`${marker}.${parseHolder(found)?.pid ?? 'unreadable'}`);
  if (!inner) return undefined;
  if (readText(marker) === found) return [marker, ...inner];
  for (const claimed of inner) removeIfPresent(claimed);
  return undefined;
}

/** Markers are written whole, so one that cannot be read is a leftover, never a taker at work. */
function isAbandonedMarker(marker: string, text: string): boolean {
  const taker = parseHolder(text);
  if (!taker || isStale(taker)) return true;
  try {
    return Date.now() - statSync(marker).mtimeMs > TAKEOVER_STALE_MS;
  } catch {
    return false;
  }
}

/**
 * Creates `file` holding `content` unless it exists. Written aside and linked into place, so
 * that nobody ever reads it empty or half written and mistakes it for a dead process's.
 */
function createExclusive(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    removeIfPresent(temp);
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readHolder(file: string): LockHolder | undefined {
  const text = readText(file);
  return text === undefined ? undefined : parseHolder(text);
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(text) as LockHolder;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : undefined;
  } catch {
    return undefined;
  }
}

function liveHolder(file: string): LockHolder | undefined {
  const holder = readHolder(file);
  return holder && !isStale(holder) ? holder : undefined;
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

function removeIfPresent(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

function heldBy(holder: LockHolder | undefined, folder: string): UsageError {
  const who = holder ? `process ${holder.pid} on ${holder.host} since ${holder.since}` : 'another process';
  return new UsageError(`the run in ${folder} is being driven by ${who}; wait for it to finish, or stop that process first`);
}
