import type { RunEvent } from '../../engine/execute/events.js';
import { UsageError } from '../../engine/exit-codes.js';
import { isRestoredEvent, JOURNAL_FORMAT, type JournalEntry } from '../../engine/state/journal.js';
import { expectJournalEntry, parseJournalEntry } from '../../engine/state/journal-entry.js';
import type { JournalWriter } from '../../engine/state/state-backend.js';
import { endsWaiting } from '../../engine/state/waiting-since.js';
import type { S3Objects } from './s3-objects.js';
import type { S3RunLock } from './s3-lock.js';

/** Ten digits: sorted by name, the events are in order, however long the run. */
const SEQUENCE_DIGITS = 10;
const EVENT_NAME = /^(\d{10})\.json$/;

function eventKey(journalFolder: string, seq: number): string {
  return `${journalFolder}${String(seq).padStart(SEQUENCE_DIGITS, '0')}.json`;
}

/**
 * One object per event, named by its sequence number and created only if absent
 * (If-None-Match), so two writers of one run can never overwrite each other's events: the
 * second writer of a number fails. Each event is in S3 before the run goes on.
 */
export class S3Journal implements JournalWriter {
  private seq: number;
  /** After a failed write the run must stop: every later event fails the same way. */
  private broken: Error | undefined;

  constructor(
    private readonly objects: S3Objects,
    private readonly journalFolder: string,
    private readonly lock: S3RunLock,
    lastSeq: number,
  ) {
    this.seq = lastSeq;
  }

  async onEvent(event: RunEvent): Promise<void> {
    if (isRestoredEvent(event)) return;
    if (this.broken) throw this.broken;
    try {
      this.lock.assertHeld();
      await this.write({ v: JOURNAL_FORMAT, seq: this.seq + 1, ...event });
    } catch (error) {
      this.broken = error instanceof Error ? error : new Error(String(error));
      throw this.broken;
    }
    this.seq++;
  }

  async close(): Promise<void> {
    return;
  }

  private async write(entry: JournalEntry): Promise<void> {
    const key = eventKey(this.journalFolder, entry.seq);
    const text = JSON.stringify(entry);
    const outcome = await this.objects.put(key, text, { ifNoneMatch: true });
    if (outcome.written) return;
    // a write whose answer was lost and that the SDK sent again finds its own event
    const existing = await this.objects.get(key);
    if (existing?.body === text) return;
    throw new UsageError(
      `event ${entry.seq} of the journal ${this.objects.address(this.journalFolder)} was written by another process: two processes are driving the run; this one stops here`,
    );
  }
}

/**
 * The events of a journal folder, in order. Sequence numbers must run from 1 without a gap:
 * events are written one after the other, each only once the one before is stored.
 */
export async function readS3Journal(objects: S3Objects, journalFolder: string): Promise<JournalEntry[]> {
  const { keys } = await objects.list(journalFolder);
  const names = keys.map((key) => key.slice(journalFolder.length)).sort();
  for (const [index, name] of names.entries()) {
    const match = EVENT_NAME.exec(name);
    if (!match) throw new UsageError(`${objects.address(journalFolder + name)} is not a journal event (events are named like 0000000001.json): the run is damaged`);
    if (Number(match[1]) !== index + 1) throw new UsageError(`${objects.address(eventKey(journalFolder, index + 1))} is missing, though later events exist: the run is damaged`);
  }
  const bodies = await objects.getMany(names.map((name) => journalFolder + name));
  return bodies.map((object, index) => {
    const where = objects.address(journalFolder + names[index]);
    if (object === undefined) throw new UsageError(`${where} vanished while it was read: is someone deleting the run?`);
    return expectJournalEntry(object.body, where, index + 1);
  });
}

/**
 * The last event of a journal folder, for a list of runs: one listing and one read. For a run
 * it leaves waiting at an approval, also since when: read back from the end to the
 * `approval-waiting` (past the few decisions since and how the run stopped), within the run's
 * latest attempt, where a run that waits always began to.
 */
export async function s3JournalEnd(objects: S3Objects, journalFolder: string): Promise<{ lastEntry: JournalEntry | undefined; waitingSince: string | undefined }> {
  const { keys } = await objects.list(journalFolder);
  const events = keys.filter((key) => EVENT_NAME.test(key.slice(journalFolder.length))).sort();
  const read = async (key: string) => {
    const object = await objects.get(key);
    return object === undefined ? undefined : parseJournalEntry(object.body, objects.address(key));
  };
  const lastEntry = events.length === 0 ? undefined : await read(events.at(-1)!);
  if (!endsWaiting(lastEntry)) return { lastEntry, waitingSince: undefined };
  for (let index = events.length - 1; index >= 0; index--) {
    const entry = index === events.length - 1 ? lastEntry : await read(events[index]!);
    if (entry?.type === 'approval-waiting') return { lastEntry, waitingSince: entry.at };
    if (entry?.type === 'run-started') break;
  }
  return { lastEntry, waitingSince: undefined };
}
