import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, writeFileSync } from 'node:fs';
import { isStorageFailure, StateWriteError } from '../exit-codes.js';
import type { RunEvent, RunObserver } from '../execute/events.js';
import { syncFolder } from './write-file-atomic.js';
import path from 'node:path';

export const JOURNAL_FORMAT = 1;

/** One journal line: the event with the format it was written in and its sequence number. */
export type JournalEntry = RunEvent & { v: number; seq: number };

/**
 * Events after which the run only decides what comes next, acting on nothing: each is written at
 * once, so a killed process loses none of them, and reaches the disk with the next event, which
 * is synced at once. That is a step-started before the next step acts, the run-finished, or an
 * approval-waiting, so a step's success is on disk before anything else changes or waits.
 */
const SYNCED_WITH_THE_NEXT: ReadonlySet<RunEvent['type']> = new Set(['step-succeeded', 'step-finished', 'step-skipped']);

/**
 * journal.ndjson: append-only, one event a line, written before the run goes on and on disk
 * (fdatasync) before the run changes or waits on anything, so a crash at any moment leaves a
 * journal that says what had already happened. A write that fails (a full disk) takes back the
 * part of its line already written, and fails every later event the same way: the run must stop
 * there, and a resume goes on from the journal as it is.
 */
export class Journal implements RunObserver {
  private fd: number | undefined;
  private seq: number;
  /** Bytes of complete lines: where a failed write's part line is cut off. */
  private bytes = 0;
  private broken: Error | undefined;
  /** Lines written since the last fdatasync. */
  private unsynced = false;

  constructor(
    readonly file: string,
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
  }

  open(): void {
    try {
      this.fd = openSync(this.file, 'a', 0o600);
      this.bytes = fstatSync(this.fd).size;
      syncFolder(path.dirname(this.file));
    } catch (error) {
      throw isStorageFailure(error) ? new StateWriteError(this.file, error) : error;
    }
  }

  onEvent(event: RunEvent): void {
    if (isRestoredEvent(event)) return;
    if (this.broken) throw this.broken;
    if (this.fd === undefined) this.open();
    const entry: JournalEntry = { v: JOURNAL_FORMAT, seq: this.seq + 1, ...event };
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    try {
      // writeFileSync goes on after a short write, which a disk filling up makes
      writeFileSync(this.fd!, line);
      this.unsynced = true;
      if (!SYNCED_WITH_THE_NEXT.has(event.type)) this.sync();
    } catch (error) {
      this.takeBackPartLine();
      this.broken = isStorageFailure(error) ? new StateWriteError(this.file, error) : (error as Error);
      throw this.broken;
    }
    this.seq++;
    this.bytes += line.length;
  }

  /**
   * Lines still unsynced here mean the run ended on an error before its run-finished: they are
   * synced too, as well as can be, for that error is the one to report.
   */
  close(): void {
    if (this.fd === undefined) return;
    try {
      if (this.unsynced && !this.broken) this.sync();
    } catch {
      // written all the same: only a crash of the machine before its own flush would lose them
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private sync(): void {
    fdatasyncSync(this.fd!);
    this.unsynced = false;
  }

  /** Shrinking takes no space; should it fail all the same, a resume ignores a torn last line. */
  private takeBackPartLine(): void {
    try {
      ftruncateSync(this.fd!, this.bytes);
      fdatasyncSync(this.fd!);
    } catch {
      return;
    }
  }
}

/** A restored step is already in the journal from the attempt that ran it: not journaled again. */
export function isRestoredEvent(event: RunEvent): boolean {
  return (event.type === 'step-succeeded' && event.via === 'restore') || (event.type === 'step-finished' && event.status === 'restored');
}
