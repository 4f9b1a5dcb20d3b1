import type { ItemRef, RestoreDecision } from '../execute/execute-runbook.js';
import { outputReference } from '../execute/redacted-paths.js';
import { UsageError } from '../exit-codes.js';
import { didYouMean } from '../validate/did-you-mean.js';
import type { Done, Replay } from './replay.js';

/** What a resume does with each step the journal knows. */
export interface ResumePlan {
  decide(stepId: string, item?: ItemRef): RestoreDecision | undefined;
  itemsSeen(stepId: string): readonly string[] | undefined;
  /** Step ids given back from the journal, and those read again, for the operator. */
  restored: string[];
  readAgain: string[];
  /** Outputs of restored steps that the journal holds only redacted, as `steps.<id>.outputs.<path>`. */
  notRestorable: string[];
}

/**
 * The resume rule: everything up to and including the last write that finished is history and
 * is restored; a step after it that only read (a check, a decision, an approval) runs again, so
 * the resumed run decides on the world as it is now. A read step whose outputs the journal holds
 * redacted runs again too, wherever it stands: that is the only way to get its value back.
 * `--from` runs a step and everything after it again, whatever the journal says.
 */
export function planResume(replay: Replay, topLevel: readonly string[], from?: string): ResumePlan {
  const runsAgain = from === undefined ? () => false : fromStep(from, topLevel, replay.stepIds);
  const judge = (done: Done): 'restore' | 'read-again' => (done.effect !== 'write' && (done.order > replay.lastChange || done.unrestorable.length > 0) ? 'read-again' : 'restore');
  const decide = (stepId: string, item?: ItemRef): RestoreDecision | undefined => {
    if (runsAgain(stepId)) return undefined;
    const done = item === undefined ? replay.finished.get(stepId) : (replay.items.get(stepId)?.get(item.key) ?? replay.items.get(stepId)?.get(`#${item.index}`));
    if (!done) return undefined;
    return judge(done) === 'read-again' ? { readAgain: true } : { restore: done.outputs, unrestorable: done.unrestorable, id: stepId };
  };
  const all: [string, Done][] = [...replay.finished, ...[...replay.items].flatMap(([stepId, items]) => [...items.values()].map((done): [string, Done] => [stepId, done]))];
  const known = all.filter(([stepId]) => !runsAgain(stepId));
  const which = (verdict: string) => [...new Set(known.filter(([, done]) => judge(done) === verdict).map(([stepId]) => stepId))];
  const notRestorable = known.filter(([, done]) => judge(done) === 'restore').flatMap(([stepId, done]) => done.unrestorable.map((path) => outputReference(stepId, path)));
  return { decide, itemsSeen: (stepId) => replay.itemsSeen.get(stepId), restored: which('restore'), readAgain: which('read-again'), notRestorable: [...new Set(notRestorable)] };
}

/**
 * `--from STEP` runs STEP and all after it again. Inside a sub-runbook (`parent/child`), the
 * parent runs so as to reach the child, the child's steps before `child` stay restored, and
 * `--from parent` runs the whole sub-runbook again.
 */
function fromStep(from: string, topLevel: readonly string[], journalIds: readonly string[]): (stepId: string) => boolean {
  const named = [...new Set(journalIds.map(withoutItems))];
  const fromIndex = topLevel.indexOf(topOf(from));
  const seenAt = named.indexOf(from);
  if (fromIndex < 0 || (from.includes('/') && seenAt < 0)) {
    const hint = didYouMean(from, [...topLevel, ...named.filter((id) => id.includes('/'))]);
    throw new UsageError(`--from ${from}: no such step${hint || (from.includes('/') ? ': a step inside a sub-runbook is named parent/child, and must have run in this run' : '')}`);
  }
  return (stepId) => {
    const index = topLevel.indexOf(topOf(stepId));
    if (index !== fromIndex || !from.includes('/')) return index >= fromIndex;
    const id = withoutItems(stepId);
    if (from === id || from.startsWith(`${id}/`)) return true;
    const at = named.indexOf(id);
    return at < 0 || at >= seenAt;
  };
}

/** `deploy[2]/check` is step `check` of the sub-runbook that item 2 of `deploy` ran. */
function withoutItems(stepId: string): string {
  return stepId.replace(/\[\d+\]/g, '');
}

function topOf(stepId: string): string {
  return withoutItems(stepId).split('/')[0]!;
}
