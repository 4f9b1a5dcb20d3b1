import type { OutputPath } from '../execute/events.js';
import type { JsonValue } from '../json.js';
import { MASK } from '../secrets.js';
import type { JournalEntry } from './journal.js';

/** What a step (or forEach item) that succeeded left behind, as a resume sees it. */
export interface Done {
  outputs: JsonValue;
  /** `read` also for a step that ran a sub-runbook: its children's effects count, each in its place. */
  effect: 'read' | 'write' | 'interactive';
  /** Position in the journal: what finished after the last change is read again on resume. */
  order: number;
  /** Outputs the journal holds redacted: they cannot be given back, only made again. */
  unrestorable: OutputPath[];
}

export interface Replay {
  /** Steps without forEach that succeeded, by step id (`parent/child` inside a sub-runbook). */
  finished: Map<string, Done>;
  /** forEach items that succeeded, by step id and item key (canonical JSON; `#<position>` in an older journal). */
  items: Map<string, Map<string, Done>>;
  /**
   * The order of the last write that finished, or of the start of a write still in flight (it
   * may have made its change), -1 when there is none: everything up to it is history.
   */
  lastChange: number;
  /** The keys of the forEach items the journal names (started or done), by step id, first seen first. */
  itemsSeen: Map<string, string[]>;
  /** Every step id the journal names, first seen first. */
  stepIds: string[];
  /** The step (and item) that had started and not ended when the run stopped. */
  inFlight: InFlight | undefined;
  status: string;
}

export interface InFlight {
  stepId: string;
  item?: number;
  /** False also for a journal written before steps said so: asking is the safe side. */
  rerunSafe: boolean;
}

type Open = InFlight & { startedAt: number; effect: string };

type Started = Extract<JournalEntry, { type: 'step-started' }>;
type Succeeded = Extract<JournalEntry, { type: 'step-succeeded' }>;

/** What the journal says happened, reduced to what a resume needs. */
export function replayJournal(entries: readonly JournalEntry[]): Replay {
  const finished = new Map<string, Done>();
  const items = new Map<string, Map<string, Done>>();
  const effects = new Map<string, string>();
  const containers = new Set<string>();
  const stepIds = new Set<string>();
  const itemsSeen = new Map<string, Set<string>>();
  let open: Open | undefined;
  let status = 'stopped';
  for (const [order, entry] of entries.entries()) {
    if ('stepId' in entry) {
      stepIds.add(entry.stepId);
      for (const parent of parentsOf(entry.stepId)) containers.add(parent);
      if ('item' in entry && entry.item !== undefined) itemsSeen.set(entry.stepId, (itemsSeen.get(entry.stepId) ?? new Set()).add(itemKeyOf(entry)));
    }
    switch (entry.type) {
      case 'run-started':
        status = 'stopped';
        break;
      case 'step-started':
        effects.set(keyOf(entry), entry.lastsForTheRun ? 'read' : entry.effect);
        open = { stepId: entry.stepId, ...(entry.item === undefined ? {} : { item: entry.item }), rerunSafe: entry.rerunSafe === true, startedAt: order, effect: effects.get(keyOf(entry))! };
        // Running again (`--from`, a read again): only how this attempt ends counts.
        forget(finished, items, entry);
        break;
      case 'step-succeeded': {
        // A step without forEach is done once it succeeded: a crash may come before its step-finished.
        const done = doneOf(entry, order, effects, containers);
        if (entry.item === undefined) finished.set(entry.stepId, done);
        else itemsOf(items, entry.stepId).set(itemKeyOf(entry), done);
        if (sameStep(open, entry)) open = undefined;
        break;
      }
      case 'step-failed':
        // An interrupted step may have made its change before it stopped: still in flight.
        if (sameStep(open, entry) && entry.error.code !== 'interrupted') open = undefined;
        break;
      case 'run-finished':
        status = entry.status;
        break;
    }
  }
  const writes = [...finished.values(), ...[...items.values()].flatMap((map) => [...map.values()])].filter((done) => done.effect === 'write');
  const changing = open !== undefined && open.effect !== 'read' && open.effect !== 'interactive' ? open.startedAt : -1;
  // not Math.max(...writes): spreading a journal's every write overflows the stack on a long run
  const lastChange = writes.reduce((last, done) => Math.max(last, done.order), changing);
  const seen = new Map([...itemsSeen].map(([stepId, keys]) => [stepId, [...keys]]));
  const inFlight = open && { stepId: open.stepId, ...(open.item === undefined ? {} : { item: open.item }), rerunSafe: open.rerunSafe };
  return { finished, items, lastChange, itemsSeen: seen, stepIds: [...stepIds], inFlight, status };
}

function doneOf(entry: Succeeded, order: number, effects: Map<string, string>, containers: Set<string>): Done {
  const label = entry.item === undefined ? entry.stepId : `${entry.stepId}[${entry.item}]`;
  // A write found in place by its check() did not start; a journal that does not say is the safe side.
  const started = entry.via === 'check' ? 'write' : (effects.get(keyOf(entry)) ?? 'write');
  const effect = containers.has(label) ? 'read' : started === 'read' || started === 'interactive' ? started : 'write';
  const unrestorable = entry.unrestorable ?? maskedPaths(entry.outputs, []);
  return { outputs: entry.outputs, effect, order, unrestorable };
}

/** A journal written before outputs were marked: the mask in a value is the only sign. */
function maskedPaths(value: JsonValue, at: OutputPath): OutputPath[] {
  if (typeof value === 'string') return value.includes(MASK) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => maskedPaths(item, [...at, index]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => maskedPaths(item, [...at, key]));
  return [];
}

/** `a[0]/b/c` runs inside `a[0]/b` and `a[0]`. */
function parentsOf(stepId: string): string[] {
  const parts = stepId.split('/');
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join('/'));
}

function forget(finished: Map<string, Done>, items: Map<string, Map<string, Done>>, entry: Started): void {
  if (entry.item === undefined) finished.delete(entry.stepId);
  else items.get(entry.stepId)?.delete(itemKeyOf(entry));
}

/** How an item is known across attempts: its value when the journal says it, else its position (older journals). */
export function itemKeyOf(entry: { item?: number; itemKey?: string }): string {
  return entry.itemKey ?? `#${entry.item}`;
}

function keyOf(entry: { stepId: string; item?: number; itemKey?: string }): string {
  return entry.item === undefined ? entry.stepId : `${entry.stepId}\n${itemKeyOf(entry)}`;
}

function itemsOf(items: Map<string, Map<string, Done>>, stepId: string): Map<string, Done> {
  let map = items.get(stepId);
  if (!map) {
    map = new Map();
    items.set(stepId, map);
  }
  return map;
}

function sameStep(open: { stepId: string; item?: number } | undefined, entry: { stepId: string; item?: number }): boolean {
  return open !== undefined && open.stepId === entry.stepId && open.item === entry.item;
}
