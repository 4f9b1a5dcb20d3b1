import type { StepStatus } from '../execute/events.js';
import type { JsonValue } from '../json.js';
import type { JournalEntry } from './journal.js';

/** Statuses after which a step is done and must never run again. */
const DONE: ReadonlySet<string> = new Set<StepStatus>(['succeeded', 'satisfied', 'restored']);

export interface Replay {
  /** Outputs of the steps that finished, by step id. */
  finished: Map<string, JsonValue>;
  /** Outputs of forEach items that finished, for steps that did not. */
  items: Map<string, Map<number, JsonValue>>;
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

/** What the journal says happened, reduced to what a resume needs. */
export function replayJournal(entries: readonly JournalEntry[]): Replay {
  const finished = new Map<string, JsonValue>();
  const items = new Map<string, Map<number, JsonValue>>();
  let open: InFlight | undefined;
  let status = 'stopped';
  for (const entry of entries) {
    switch (entry.type) {
      case 'run-started':
        status = 'stopped';
        break;
      case 'step-started':
        open = { stepId: entry.stepId, ...(entry.item === undefined ? {} : { item: entry.item }), rerunSafe: entry.rerunSafe === true };
        break;
      case 'step-succeeded':
        // A step without forEach is done once it succeeded: a crash may come before its step-finished.
        if (entry.item === undefined) finished.set(entry.stepId, entry.outputs);
        else itemsOf(items, entry.stepId).set(entry.item, entry.outputs);
        if (sameStep(open, entry)) open = undefined;
        break;
      case 'step-failed':
        // An interrupted step may have made its change before it stopped: still in flight.
        if (sameStep(open, entry) && entry.error.code !== 'interrupted') open = undefined;
        break;
      case 'step-finished':
        if (DONE.has(entry.status)) {
          finished.set(entry.stepId, entry.outputs);
          items.delete(entry.stepId);
        }
        break;
      case 'run-finished':
        status = entry.status;
        break;
    }
  }
  return { finished, items, inFlight: open, status };
}

function itemsOf(items: Map<string, Map<number, JsonValue>>, stepId: string): Map<number, JsonValue> {
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
