import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../engine/canonical-json.js';
import type { RunEvent } from '../../engine/execute/events.js';
import type { JsonObject } from '../../engine/json.js';
import { Redactor } from '../../engine/secrets.js';
import { isRestoredEvent, JOURNAL_FORMAT, type JournalEntry } from '../../engine/state/journal.js';
import { replayJournal } from '../../engine/state/replay.js';
import { planResume } from '../../engine/state/resume-plan.js';
import { runRunbook, stepsById, testStep, type FinishedRun, type RunbookBody, type TestStep } from './support/harness.js';
import { RecordingReporter } from './support/recording-reporter.js';

/** A step that fails on its first call, as a check fails until the operator fixes the world. */
function failsFirst(type: string, effect: 'read' | 'write'): TestStep {
  return testStep(type, {
    effect,
    run: async (_ctx, input, call) => {
      if (call === 1) throw new Error('not yet');
      return input;
    },
  });
}

const write = () => testStep('test.write', { effect: 'write' });
const read = () => testStep('test.read', { effect: 'read' });

/** What the journal would hold after these runs: their events, less the restored ones. */
function journalOf(...runs: FinishedRun[]): JournalEntry[] {
  const events = runs.flatMap((run) => run.reporter.events).filter((event) => !isRestoredEvent(event));
  return events.map((event: RunEvent, index) => ({ v: JOURNAL_FORMAT, seq: index + 1, ...event }));
}

/** A run, then a resume of it as `stepwise resume` makes one (same redactor rules, a fresh run). */
async function runThenResume(first: RunbookBody, steps: TestStep[], options: { resumed?: RunbookBody; secrets?: string[]; from?: string } = {}) {
  const redactor = () => {
    const made = new Redactor();
    for (const secret of options.secrets ?? []) made.add(secret);
    return made;
  };
  const before = await runRunbook(first, steps, { redactor: redactor() });
  const resumedBook = options.resumed ?? first;
  const plan = planResume(replayJournal(journalOf(before)), resumedBook.steps.map((step) => step.id), options.from);
  const callsBefore = new Map(steps.map((step) => [step, step.calls.length]));
  const after = await runRunbook(resumedBook, steps, { redactor: redactor(), restore: plan.decide, itemsSeen: plan.itemsSeen, reporter: new RecordingReporter() });
  const callsOnResume = (step: TestStep) => step.calls.slice(callsBefore.get(step));
  return { before, after, plan, callsOnResume };
}

describe('the resume rule: history up to the last change, the world as it is now after it', () => {
  it('does not run again a write before a failed read, and reads again', async () => {
    const change = write();
    const check = failsFirst('test.check', 'read');
    const { before, after, plan, callsOnResume } = await runThenResume(
      {
        steps: [
          { id: 'change', type: 'test.write', with: { value: 1 } },
          { id: 'check', type: 'test.check', with: { value: 2 } },
        ],
      },
      [change, check],
    );
    expect(before.result.status).toBe('failed');
    expect(callsOnResume(change)).toEqual([]);
    expect(callsOnResume(check)).toEqual([{ value: 2 }]);
    expect(after.result.status).toBe('succeeded');
    expect(stepsById(after.result).change!.status).toBe('restored');
    expect(plan.restored).toEqual(['change']);
  });

  it('restores a read before the last change and reads again one after it, marking it read again', async () => {
    const look = read();
    const change = write();
    const gate = failsFirst('test.gate', 'read');
    const { after, plan, callsOnResume } = await runThenResume(
      {
        steps: [
          { id: 'before', type: 'test.read', with: { at: 'before' } },
          { id: 'change', type: 'test.write' },
          { id: 'after', type: 'test.read', with: { at: 'after' } },
          { id: 'gate', type: 'test.gate' },
        ],
      },
      [look, change, gate],
    );
    expect(callsOnResume(look)).toEqual([{ at: 'after' }]);
    expect(callsOnResume(change)).toEqual([]);
    expect(plan).toMatchObject({ restored: ['before', 'change'], readAgain: ['after'] });
    expect(stepsById(after.result)).toMatchObject({ before: { status: 'restored' }, change: { status: 'restored' }, after: { status: 'succeeded', readAgain: true } });
    expect(after.reporter.ofType('step-succeeded').find((event) => event.stepId === 'after')).toMatchObject({ via: 'read-again' });
  });

  it('counts a write in flight as a change: the checks before it saw the world it acted on', async () => {
    const look = read();
    const change = write();
    const before = await runRunbook({ steps: [{ id: 'look', type: 'test.read' }, { id: 'change', type: 'test.write' }] }, [look, change]);
    const journal = journalOf(before);
    const killedInFlight = journal.slice(0, journal.findIndex((entry) => entry.type === 'step-started' && entry.stepId === 'change') + 1);
    const replay = replayJournal(killedInFlight);
    expect(replay.inFlight).toEqual({ stepId: 'change', rerunSafe: false });
    expect(planResume(replay, ['look', 'change']).decide('look')).toMatchObject({ restore: {} });
  });

  it('counts no background step as a change: what it did ended with its run', async () => {
    const look = read();
    const started = testStep('test.background', { effect: 'write' });
    const background: TestStep = { ...started, definition: { ...started.definition, lastsForTheRun: true } };
    const gate = failsFirst('test.gate', 'read');
    const { plan, callsOnResume } = await runThenResume(
      {
        steps: [
          { id: 'look', type: 'test.read' },
          { id: 'forward', type: 'test.background' },
          { id: 'gate', type: 'test.gate' },
        ],
      },
      [look, background, gate],
    );
    expect(plan).toMatchObject({ restored: [], readAgain: ['look', 'forward'] });
    expect(callsOnResume(look)).toHaveLength(1);
    expect(callsOnResume(background)).toHaveLength(1);
  });

  it('asks an approval after the last change again', async () => {
    const change = write();
    const gate = failsFirst('test.gate', 'read');
    const approve = testStep('test.approve', { effect: 'interactive', run: async (ctx) => ({ approved: await ctx.confirm('go on?') }) });
    const book: RunbookBody = {
      steps: [
        { id: 'change', type: 'test.write' },
        { id: 'approve', type: 'test.approve' },
        { id: 'gate', type: 'test.gate' },
      ],
    };
    const first = await runRunbook(book, [change, approve, gate], { assumeYes: true });
    const plan = planResume(replayJournal(journalOf(first)), ['change', 'approve', 'gate']);
    const asked = new RecordingReporter([true]);
    const after = await runRunbook(book, [change, approve, gate], { interactive: true, restore: plan.decide, reporter: asked });
    expect(asked.questions).toEqual(['go on?']);
    expect(change.calls).toHaveLength(1);
    expect(after.result.status).toBe('succeeded');
  });
});

describe('forEach items on resume', () => {
  const deploy = () => testStep('test.deploy', { effect: 'write', run: async (_ctx, input) => {
    if (input.name === 'c' && input.fail === true) throw new Error('c failed');
    return input;
  } });
  const over = (list: string[], fail: boolean): RunbookBody => ({ steps: [{ id: 'deploy', type: 'test.deploy', forEach: list, with: { name: '${{ item }}', fail } }] });

  it('are known by value: a new item runs, a done one does not, wherever they now stand', async () => {
    const step = deploy();
    const { after, callsOnResume } = await runThenResume(over(['a', 'b', 'c'], true), [step], { resumed: over(['z', 'a', 'b', 'c'], false) });
    expect(callsOnResume(step).map((call) => call.name)).toEqual(['z', 'c']);
    expect(after.result.status).toBe('succeeded');
    expect(stepsById(after.result).deploy!.outputs).toEqual([{ name: 'z', fail: false }, { name: 'a', fail: true }, { name: 'b', fail: true }, { name: 'c', fail: false }]);
    expect(after.reporter.lines).toContain('deploy log: items new in the list since the run began (they run): "z"');
  });

  it('say which items left the list since the run began', async () => {
    const step = deploy();
    const { after, callsOnResume } = await runThenResume(over(['a', 'b', 'c'], true), [step], { resumed: over(['b', 'c'], false) });
    expect(callsOnResume(step).map((call) => call.name)).toEqual(['c']);
    expect(after.reporter.lines).toContain('deploy log: items no longer in the list since the run began (not run again): "a"');
  });

  it('written by an older stepwise, without their value, are restored by position as before', async () => {
    const step = deploy();
    const before = await runRunbook(over(['a', 'b', 'c'], true), [step]);
    const older = journalOf(before).map((entry) => {
      const { itemKey: _dropped, ...rest } = entry as JournalEntry & { itemKey?: string };
      return rest as JournalEntry;
    });
    const plan = planResume(replayJournal(older), ['deploy']);
    const reporter = new RecordingReporter();
    await runRunbook(over(['a', 'b', 'c'], false), [step], { restore: plan.decide, itemsSeen: plan.itemsSeen, reporter });
    expect(step.calls.slice(3).map((call) => call.name)).toEqual(['c']);
    expect(reporter.lines).toEqual([]);
  });

  it('know an object item whatever the order of its keys', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { e: 3, f: 2 }] }, b: 1 }));
  });
});

describe('outputs the journal holds redacted', () => {
  const SECRET = 'hunter2-very-secret';
  const mint = (effect: 'read' | 'write') => testStep(`test.mint-${effect}`, { effect, run: async () => ({ url: `https://u:${SECRET}@h`, id: 'kept' }) });

  it('are marked in the journal, and never reach a step as the mask: the step stops and says how to go on', async () => {
    const minted = mint('write');
    const gate = failsFirst('test.gate', 'read');
    const use = testStep('test.use', { effect: 'write' });
    const book: RunbookBody = {
      steps: [
        { id: 'mint', type: 'test.mint-write', outputs: { url: 'url', id: 'id' } },
        { id: 'gate', type: 'test.gate' },
        { id: 'use', type: 'test.use', with: { id: '${{ steps.mint.outputs.id }}', url: 'git clone ${{ steps.mint.outputs.url }}' } },
      ],
    };
    const { before, after, plan, callsOnResume } = await runThenResume(book, [minted, gate, use], { secrets: [SECRET] });
    expect(plan.notRestorable).toEqual(['steps.mint.outputs.url']);
    expect(journalOf(before).find((entry) => entry.type === 'step-succeeded' && entry.stepId === 'mint')).toMatchObject({ outputs: { url: 'https://u:***@h', id: 'kept' }, unrestorable: [['url']] });
    expect(callsOnResume(minted)).toEqual([]);
    expect(callsOnResume(use)).toEqual([]);
    expect(after.result.failure).toMatchObject({ stepId: 'use', code: 'unrestorable' });
    expect(after.result.failure!.message).toContain('step "use" needs steps.mint.outputs.url, which this resume cannot give back');
    expect(after.result.failure!.details).toBe('to run it again and get the value back: stepwise resume run-test --from mint');
    expect(JSON.stringify(after.reporter.events)).not.toMatch(/stepwise-unrestorable-/);
  });

  it('come back by running their read step again, even before the last change', async () => {
    const minted = mint('read');
    const change = write();
    const gate = failsFirst('test.gate', 'read');
    const use = testStep('test.use', { effect: 'write' });
    const { after, plan, callsOnResume } = await runThenResume(
      {
        steps: [
          { id: 'mint', type: 'test.mint-read', outputs: { url: 'url' } },
          { id: 'change', type: 'test.write' },
          { id: 'gate', type: 'test.gate' },
          { id: 'use', type: 'test.use', with: { url: '${{ steps.mint.outputs.url }}' } },
        ],
      },
      [minted, change, gate, use],
      { secrets: [SECRET] },
    );
    expect(plan.readAgain).toContain('mint');
    expect(callsOnResume(minted)).toHaveLength(1);
    expect(callsOnResume(change)).toEqual([]);
    expect(callsOnResume(use)).toEqual([{ url: `https://u:${SECRET}@h` }] as JsonObject[]);
    expect(after.result.status).toBe('succeeded');
  });
});

describe('a journal of a long run', () => {
  it('replays 150,000 finished write items, more than a call can take as arguments', () => {
    const at = '2026-12-03T00:00:00.000Z';
    const entries: JournalEntry[] = [];
    const add = (event: RunEvent) => entries.push({ v: JOURNAL_FORMAT, seq: entries.length + 1, ...event });
    for (let item = 0; item < 150_000; item++) {
      const itemKey = `k${item}`;
      add({ type: 'step-started', stepId: 'many', item, itemKey, effect: 'write', at } as RunEvent);
      add({ type: 'step-succeeded', stepId: 'many', item, itemKey, outputs: {}, durationMs: 0, at } as RunEvent);
    }
    const replay = replayJournal(entries);
    expect(replay.lastChange).toBe(entries.length - 1);
    expect(replay.items.get('many')?.size).toBe(150_000);
  });
});
