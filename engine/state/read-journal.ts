import { readFileSync } from 'node:fs';
import { UsageError } from '../exit-codes.js';
import { JOURNAL_FORMAT, type JournalEntry } from './journal.js';

export interface JournalContents {
  entries: JournalEntry[];
  /** The last line was cut short by a crash mid-write and was ignored. */
  tornTail: boolean;
}

/** Replays a journal; a torn last line is expected after a crash, anything else is refused. */
export function readJournal(file: string): JournalContents {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], tornTail: false };
    throw new UsageError(`${file}: cannot read the journal: ${(error as Error).message}`);
  }
  const lines = text.split('\n');
  const complete = text.endsWith('\n') || text === '';
  const entries: JournalEntry[] = [];
  let tornTail = false;
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    const isLast = index === lines.length - 1 || (index === lines.length - 2 && complete);
    const entry = parseLine(line);
    if (entry === undefined) {
      if (isLast && !complete) {
        tornTail = true;
        continue;
      }
      throw new UsageError(`${file}:${index + 1}: the journal line is not a valid event; the run folder is damaged`);
    }
    if (entry.v > JOURNAL_FORMAT) {
      throw new UsageError(`${file}:${index + 1}: the journal was written by a newer stepwise (journal format ${entry.v}, this one reads ${JOURNAL_FORMAT}); upgrade stepwise to resume it`);
    }
    entries.push(entry);
  }
  return { entries, tornTail };
}

function parseLine(line: string): JournalEntry | undefined {
  try {
    const value = JSON.parse(line) as Partial<JournalEntry>;
    if (typeof value !== 'object' || value === null || typeof value.type !== 'string' || typeof value.v !== 'number') return undefined;
    return value as JournalEntry;
  } catch {
    return undefined;
  }
}
