import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import type { RunEvent, RunObserver } from '../execute/events.js';
import { syncFolder } from './write-file-atomic.js';
import path from 'node:path';

export const JOURNAL_FORMAT = 1;

/** One journal line: the event with the format it was written in and its sequence number. */
export type JournalEntry = RunEvent & { v: number; seq: number };

/**
 * journal.ndjson: append-only, one event a line, each on disk (fdatasync) before the run goes
 * on, so a crash at any moment leaves a journal that says what had already happened.
 */
export class Journal implements RunObserver {
  private fd: number | undefined;
  private seq: number;

  constructor(
    readonly file: string,
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
  }

  open(): void {
    this.fd = openSync(this.file, 'a', 0o600);
    syncFolder(path.dirname(this.file));
  }

  onEvent(event: RunEvent): void {
    if (isRestoredEvent(event)) return;
    if (this.fd === undefined) this.open();
    const entry: JournalEntry = { v: JOURNAL_FORMAT, seq: ++this.seq, ...event };
    writeSync(this.fd!, `${JSON.stringify(entry)}\n`);
    fdatasyncSync(this.fd!);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A restored step is already in the journal from the attempt that ran it: not journaled again. */
export function isRestoredEvent(event: RunEvent): boolean {
  return (event.type === 'step-succeeded' && event.via === 'restore') || (event.type === 'step-finished' && event.status === 'restored');
}
