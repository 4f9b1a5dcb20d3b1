import type { RunEvent } from '../execute/events.js';
import { UsageError } from '../exit-codes.js';
import { isJsonObject } from '../json.js';
import { JOURNAL_FORMAT, type JournalEntry } from './journal.js';

/** Every type of event a journal may hold: listed by type, so a new one cannot be forgotten here. */
const EVENT_TYPES: Readonly<Record<RunEvent['type'], true>> = {
  'run-started': true,
  'step-started': true,
  'step-succeeded': true,
  'step-failed': true,
  'step-skipped': true,
  'step-planned': true,
  'step-finished': true,
  'run-finished': true,
};

/**
 * One stored event, as a store read it; undefined when it is not one. `where` names it in
 * the refusal of a newer format (a file and line, an s3:// address).
 */
export function parseJournalEntry(text: string, where: string): JournalEntry | undefined {
  const entry = readEntry(text, where);
  return typeof entry === 'string' ? undefined : entry;
}

/**
 * The event at position `seq` of a journal (counting from 1), whichever store holds it: events
 * are written one after the other, each only once the one before is stored, so a number out of
 * place means an event was removed or added. Anything else is refused, saying where and why.
 */
export function expectJournalEntry(text: string, where: string, seq: number): JournalEntry {
  const entry = readEntry(text, where);
  if (typeof entry === 'string') throw damaged(where, `not a valid journal event (${entry})`);
  if (entry.seq > seq) throw damaged(where, `event ${seq} is missing: this one is event ${entry.seq}`);
  if (entry.seq < seq) throw damaged(where, `holds event ${entry.seq} again, where event ${seq} should be`);
  return entry;
}

function damaged(where: string, problem: string): UsageError {
  return new UsageError(`${where}: ${problem}; the run is damaged`);
}

/** The entry, or why it is not one. */
function readEntry(text: string, where: string): JournalEntry | string {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return 'it is not JSON';
  }
  if (!isJsonObject(entry)) return 'it is not a JSON object';
  if (typeof entry.v !== 'number') return 'it has no format number "v"';
  if (entry.v > JOURNAL_FORMAT) {
    throw new UsageError(`${where}: the journal was written by a newer stepwise (journal format ${entry.v}, this one reads ${JOURNAL_FORMAT}); upgrade stepwise to resume it`);
  }
  if (typeof entry.seq !== 'number' || !Number.isSafeInteger(entry.seq) || entry.seq < 1) return `"seq" is ${JSON.stringify(entry.seq) ?? 'missing'}, not a sequence number`;
  if (typeof entry.type !== 'string' || !Object.hasOwn(EVENT_TYPES, entry.type)) return `unknown event type ${JSON.stringify(entry.type) ?? '(none)'}`;
  return entry as unknown as JournalEntry;
}
