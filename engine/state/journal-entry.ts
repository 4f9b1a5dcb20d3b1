import { UsageError } from '../exit-codes.js';
import { JOURNAL_FORMAT, type JournalEntry } from './journal.js';

/**
 * One stored event, as a store read it; undefined when it is not one. `where` names it in
 * the refusal of a newer format (a file and line, an s3:// address).
 */
export function parseJournalEntry(text: string, where: string): JournalEntry | undefined {
  let entry: Partial<JournalEntry>;
  try {
    entry = JSON.parse(text) as Partial<JournalEntry>;
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.type !== 'string' || typeof entry.v !== 'number') return undefined;
  if (entry.v > JOURNAL_FORMAT) {
    throw new UsageError(`${where}: the journal was written by a newer stepwise (journal format ${entry.v}, this one reads ${JOURNAL_FORMAT}); upgrade stepwise to resume it`);
  }
  return entry as JournalEntry;
}
