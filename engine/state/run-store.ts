import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isStorageFailure, StateWriteError, UsageError } from '../exit-codes.js';
import { didYouMean } from '../validate/did-you-mean.js';
import { Journal } from './journal.js';
import { readJournal, type JournalContents } from './read-journal.js';
import { parseRunRecord } from './parse-run-record.js';
import { isRunId } from './run-id.js';
import type { RunRecord } from './run-record.js';
import { lockIsHeld, RunLock } from './run-lock.js';
import { syncFolder, writeFileAtomic } from './write-file-atomic.js';

const RUN_FILE = 'run.json';
const JOURNAL_FILE = 'journal.ndjson';
/** The runbook as it was when the run started, to say what changed before a resume. */
const SNAPSHOT_FILE = 'runbook.snapshot.yaml';
/** The value the runbook parsed to, which spares a resume of the same text parsing it again. */
const KEPT_PARSE_FILE = 'runbook.parsed.json';

export interface StoredRun {
  folder: string;
  record: RunRecord;
  journal: JournalContents;
  snapshot: string | undefined;
  keptParse: string | undefined;
}

/** `<state-dir>/runs/<run-id>/`: run.json, the journal, a snapshot of the runbook and its parse, and the lock. */
export class RunStore {
  readonly runsFolder: string;

  constructor(stateDir: string) {
    this.runsFolder = path.resolve(stateDir, 'runs');
  }

  create(record: RunRecord, runbookText: string, say: (message: string) => void, keptParse?: string): { journal: Journal; lock: RunLock; folder: string } {
    const folder = path.join(this.runsFolder, record.runId);
    makeFolders(this.runsFolder);
    const lock = new RunLock(folder, say);
    try {
      mkdirSync(folder, { mode: 0o700 });
      syncFolder(this.runsFolder);
      lock.acquire();
      writeFileAtomic(path.join(folder, SNAPSHOT_FILE), runbookText);
      // Not synced: a resume that finds it damaged or missing parses the runbook instead.
      if (keptParse !== undefined) writeFileSync(path.join(folder, KEPT_PARSE_FILE), keptParse, { mode: 0o600 });
      writeFileAtomic(path.join(folder, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
      const journal = new Journal(path.join(folder, JOURNAL_FILE));
      journal.open();
      return { journal, lock, folder };
    } catch (error) {
      lock.release();
      const full = error instanceof StateWriteError ? error : isStorageFailure(error) ? new StateWriteError(folder, error) : undefined;
      if (!full) throw error;
      // Nothing ran: a half-made run folder would only show up in `stepwise runs` as damaged.
      rmSync(folder, { recursive: true, force: true });
      throw full;
    }
  }

  /** A past run, read back; refuses with a clear message when it is missing or damaged. */
  open(runId: string): StoredRun {
    const folder = this.existingFolder(runId);
    const record = readRecord(path.join(folder, RUN_FILE));
    const journal = readJournal(path.join(folder, JOURNAL_FILE));
    return { folder, record, journal, snapshot: readIfThere(path.join(folder, SNAPSHOT_FILE)), keptParse: readIfThere(path.join(folder, KEPT_PARSE_FILE)) };
  }

  /**
   * Takes a past run's lock. A resume takes it before it reads the journal: what it read
   * before could be out of date by the time it held the lock.
   */
  lock(runId: string, say: (message: string) => void): RunLock {
    const lock = new RunLock(this.existingFolder(runId), say);
    lock.acquire();
    return lock;
  }

  /** Appends to a run's journal, continuing its sequence numbers; the caller holds its lock. */
  appendJournal(run: StoredRun): Journal {
    const file = path.join(run.folder, JOURNAL_FILE);
    // Cut off a torn last line, or the next event would be glued to it and the journal damaged.
    if (run.journal.tornTail) truncateSync(file, run.journal.completeBytes);
    const journal = new Journal(file, run.journal.entries.at(-1)?.seq ?? 0);
    journal.open();
    return journal;
  }

  ids(): string[] {
    try {
      return readdirSync(this.runsFolder).filter((name) => isRunId(name) && isFolder(path.join(this.runsFolder, name))).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw unusableFolder(this.runsFolder, error);
    }
  }

  /** The folder of an existing run; refuses an unknown id, naming the closest one. */
  existingFolder(runId: string): string {
    const folder = path.join(this.runsFolder, runId);
    if (!isRunId(runId) || !isFolder(folder)) {
      throw new UsageError(`no run "${runId}" in ${this.runsFolder}${didYouMean(runId, this.ids()) || '; `stepwise runs` lists the runs'}`);
    }
    return folder;
  }

  /** Some live process drives the run now (a lock left by a process that died does not count). */
  isLocked(runId: string): boolean {
    return isRunId(runId) && lockIsHeld(path.join(this.runsFolder, runId));
  }
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readRecord(file: string): RunRecord {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${file}: cannot read it: ${(error as Error).message}`);
  }
  return parseRunRecord(text, file);
}

/**
 * One folder at a time, each 0700: a recursive mkdir reports a file in the way as ENOTDIR of
 * some folder below it, and under /proc it never returns.
 */
export function makeFolders(folder: string): void {
  const missing: string[] = [];
  for (let at = folder; ; at = path.dirname(at)) {
    let stats;
    try {
      stats = statSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(at) === at) throw unusableFolder(folder, error);
      missing.unshift(at);
      continue;
    }
    if (!stats.isDirectory()) throw new UsageError(`${folder}: cannot keep runs there: ${at} is a file, not a folder; choose a folder (--state-dir, STEPWISE_STATE or stepwise.config.yaml)`);
    break;
  }
  for (const at of missing) {
    try {
      mkdirSync(at, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusableFolder(folder, error);
    }
  }
}

/** Bad input, not a bug: the state folder an operator chose cannot be used. */
function unusableFolder(folder: string, error: unknown): UsageError {
  const { code, message } = error as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ENOSPC: 'the disk is full',
    ENOENT: 'a folder of the path cannot be made there',
  };
  return new UsageError(`${folder}: cannot keep runs there: ${(code && reasons[code]) ?? message}; choose a folder you can write to (--state-dir, STEPWISE_STATE or stepwise.config.yaml)`);
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
