/**
 * What `show` says of a forEach step across a resume whose list changed: items are known by
 * their value (itemKey), as the resume itself knows them, not by their position.
 */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../engine/execute/events.js';
import type { JournalEntry } from '../../engine/state/journal.js';
import type { RunRecord } from '../../engine/state/run-record.js';
import { summarizeRun } from '../../engine/state/summarize-run.js';

const AT = '2026-01-01T00:00:00.000Z';

function journal(events: RunEvent[]): JournalEntry[] {
  return events.map((event, index) => ({ ...event, v: 1, seq: index + 1 }));
}

const started = (item: number, key: string): RunEvent => ({ type: 'step-started', stepId: 'deploy', title: 'deploy', item, itemKey: key, attempt: 1, effect: 'write', rerunSafe: false, at: AT });
const succeeded = (item: number, key: string): RunEvent => ({ type: 'step-succeeded', stepId: 'deploy', item, itemKey: key, outputs: {}, durationMs: 1, at: AT });

describe('summarizeRun', () => {
  it('counts a forEach step\'s items and attempts by item value, across a resume whose list changed', () => {
    const entries = journal([
      { type: 'run-started', runId: 'r', runbook: 'deploy', version: '1.0.0', dryRun: false, at: AT },
      // the run: [a, b], b fails
      started(0, '"a"'),
      succeeded(0, '"a"'),
      started(1, '"b"'),
      { type: 'step-failed', stepId: 'deploy', item: 1, itemKey: '"b"', error: { message: 'no', code: 'x' }, willRetry: false, durationMs: 1, at: AT },
      { type: 'run-finished', status: 'failed', outputs: null, durationMs: 5, at: AT },
      // the resume: the list is now [z, b]; z (new, where a stood) and b run: three items in all
      { type: 'run-started', runId: 'r', runbook: 'deploy', version: '1.0.0', dryRun: false, at: AT },
      started(0, '"z"'),
      succeeded(0, '"z"'),
      started(1, '"b"'),
      succeeded(1, '"b"'),
    ]);
    const record = { runId: 'r', runbook: { name: 'deploy', version: '1.0.0', path: '/x/deploy.yaml' }, params: {}, startedAt: AT } as unknown as RunRecord;
    const summary = summarizeRun({ location: '/x', record, journal: { entries, tornTail: false }, snapshot: undefined }, false);
    expect(summary.steps.find((step) => step.id === 'deploy')).toMatchObject({ items: 3, attempts: 2 });
  });

  it('summarizes a forEach step of 150,000 items, more than a call can take as arguments', () => {
    const events: RunEvent[] = [{ type: 'run-started', runId: 'r', runbook: 'deploy', version: '1.0.0', dryRun: false, at: AT }];
    for (let item = 0; item < 150_000; item++) events.push(started(item, `"${item}"`), succeeded(item, `"${item}"`));
    const record = { runId: 'r', runbook: { name: 'deploy', version: '1.0.0', path: '/x/deploy.yaml' }, params: {}, startedAt: AT } as unknown as RunRecord;
    const summary = summarizeRun({ location: '/x', record, journal: { entries: journal(events), tornTail: false }, snapshot: undefined }, false);
    expect(summary.steps.find((step) => step.id === 'deploy')).toMatchObject({ items: 150_000, attempts: 1 });
  });
});
