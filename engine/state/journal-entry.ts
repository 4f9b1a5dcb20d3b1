import type { RunEvent } from '../execute/events.js';
import { UsageError } from '../exit-codes.js';
import { isJsonObject } from '../json.js';
import { JOURNAL_FORMAT, type JournalEntry } from './journal.js';

/** What a field must hold; `?` when it may be absent. Outputs and inputs may be any JSON. */
type FieldKind = 'string' | 'number' | 'boolean' | 'failure' | 'list' | 'json' | 'string?' | 'number?' | 'boolean?' | 'list?';

/**
 * Every type of event a journal may hold, with the fields replay reads and their kinds: listed by
 * type, so a new one cannot be forgotten here, and an edited field (`"stepId": 7`) is reported as
 * damage, not met as a crash deep in replay.
 */
const EVENT_FIELDS: Readonly<Record<RunEvent['type'], Readonly<Record<string, FieldKind>>>> = {
  'run-started': { runId: 'string', runbook: 'string', version: 'string', dryRun: 'boolean', at: 'string' },
  'step-started': { stepId: 'string', item: 'number?', itemKey: 'string?', attempt: 'number', effect: 'string', rerunSafe: 'boolean?', lastsForTheRun: 'boolean?', at: 'string' },
  'step-succeeded': { stepId: 'string', item: 'number?', itemKey: 'string?', outputs: 'json', durationMs: 'number', via: 'string?', unrestorable: 'list?', at: 'string' },
  'step-failed': { stepId: 'string', item: 'number?', itemKey: 'string?', error: 'failure', willRetry: 'boolean', retryInMs: 'number?', durationMs: 'number', at: 'string' },
  'step-skipped': { stepId: 'string', title: 'string', reason: 'string', at: 'string' },
  'step-planned': { stepId: 'string', item: 'number?', status: 'string', input: 'json', at: 'string' },
  'step-finished': { stepId: 'string', status: 'string', outputs: 'json', durationMs: 'number', unrestorable: 'list?', at: 'string' },
  'approval-waiting': { stepId: 'string', item: 'number?', itemKey: 'string?', round: 'number?', message: 'string', approvers: 'list', minApprovals: 'number', command: 'string', operator: 'string?', allowSelfApproval: 'boolean?', timeout: 'string?', at: 'string' },
  'approval-decided': { stepId: 'string', item: 'number?', itemKey: 'string?', round: 'number?', by: 'string', decision: 'string', reason: 'string?', decidedAt: 'string', at: 'string' },
  'run-finished': { status: 'string', outputs: 'json', durationMs: 'number', at: 'string' },
  'plugin-files-loaded': { files: 'list', at: 'string' },
};

/** A field as `readEntry` checks it: the kind without its `?`, read once rather than for every event of a long journal. */
interface FieldCheck {
  field: string;
  kind: FieldKind;
  base: string;
  optional: boolean;
}

const FIELD_CHECKS: ReadonlyMap<string, readonly FieldCheck[]> = new Map(
  Object.entries(EVENT_FIELDS).map(([type, fields]) => [type, Object.entries(fields).map(([field, kind]) => ({ field, kind, base: kind.replace('?', ''), optional: kind.endsWith('?') }))]),
);

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
  const checks = typeof entry.type === 'string' ? FIELD_CHECKS.get(entry.type) : undefined;
  if (checks === undefined) return `unknown event type ${JSON.stringify(entry.type) ?? '(none)'}`;
  for (const { field, kind, base, optional } of checks) {
    if (!holds(entry[field], base, optional)) return `its "${field}" is ${JSON.stringify(entry[field]) ?? 'missing'}, where a ${event(entry.type as string)} holds ${describeKind(kind)}`;
  }
  return entry as unknown as JournalEntry;
}

function holds(value: unknown, base: string, optional: boolean): boolean {
  if (optional && value === undefined) return true;
  switch (base) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    case 'failure':
      return isJsonObject(value) && typeof value.message === 'string' && typeof value.code === 'string';
    default:
      return value !== undefined;
  }
}

function event(type: string): string {
  return `"${type}" event`;
}

function describeKind(kind: FieldKind): string {
  const base = kind.replace('?', '');
  const described = base === 'failure' ? 'an error with a message and a code' : base === 'list' ? 'a list' : base === 'json' ? 'a value' : `a ${base}`;
  return kind.endsWith('?') ? `${described} or nothing` : described;
}
