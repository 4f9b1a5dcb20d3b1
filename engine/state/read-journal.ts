import { readFileSync } from 'node:fs';
import { UsageError } from '../exit-codes.js';
import type { JournalEntry } from './journal.js';
import { expectJournalEntry } from './journal-entry.js';

export interface JournalContents {
  entries: JournalEntry[];
  /** The last line was cut short by a crash mid-write and was ignored. */
  tornTail: boolean;
  /** Bytes up to the end of the last complete line: where the next event must be written. */
  completeBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Replays a journal. An event counts once its whole line, newline included, is on disk: a
 * last line without its newline was cut short by a crash and is ignored; anything else that
 * does not read, or is out of sequence, is refused.
 */
export function readJournal(file: string): JournalContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], tornTail: false, completeBytes: 0 };
    throw new UsageError(`${file}: cannot read the journal: ${(error as Error).message}`);
  }
  const completeBytes = bytes.lastIndexOf(NEWLINE) + 1;
  const lines = bytes.subarray(0, completeBytes).toString('utf8').split('\n');
  const entries: JournalEntry[] = [];
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    entries.push(expectJournalEntry(line, `${file}:${index + 1}`, entries.length + 1));
  }
  return { entries, tornTail: completeBytes < bytes.length, completeBytes };
}
