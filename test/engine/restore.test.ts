import { describe, expect, it } from 'vitest';
import type { ItemRef, RestoreDecision } from '../../engine/execute/execute-runbook.js';
import type { JsonValue } from '../../engine/json.js';
import { runRunbook, stepsById, testStep } from './support/harness.js';

const echo = () => testStep('test.echo', { input: { type: 'object', properties: { value: {} } }, run: async (_ctx, input) => ({ value: input.value ?? null }) });

/** What a resume would pass: the outputs recorded for each step (and forEach item) that succeeded. */
function restoring(recorded: Record<string, JsonValue>): { restore: (stepId: string, item?: ItemRef) => RestoreDecision | undefined; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    restore: (stepId, item) => {
      const key = item === undefined ? stepId : `${stepId}[${item.index}]`;
      asked.push(key);
      return recorded[key] === undefined ? undefined : { restore: recorded[key], unrestorable: [], id: stepId };
    },
  };
}

describe('restoring steps on resume', () => {
  it('does not run a restored step, gives later steps its recorded outputs, and runs the rest', async () => {
    const step = echo();
    const { restore } = restoring({ first: { value: 'from the journal' } });
    const { result, reporter } = await runRunbook(
      {
        steps: [
          { id: 'first', type: 'test.echo', with: { value: 'fresh' }, outputs: { value: 'value' } },
          { id: 'second', type: 'test.echo', with: { value: '${{ steps.first.outputs.value }}' }, outputs: { value: 'value' } },
        ],
      },
      [step],
      { restore },
    );
    expect(step.calls).toEqual([{ value: 'from the journal' }]);
    expect(stepsById(result).first).toMatchObject({ status: 'restored', outputs: { value: 'from the journal' } });
    expect(stepsById(result).second).toMatchObject({ status: 'succeeded', outputs: { value: 'from the journal' } });
    expect(reporter.ofType('step-succeeded')[0]).toMatchObject({ stepId: 'first', via: 'restore', outputs: { value: 'from the journal' } });
  });

  it('restores forEach items one by one and runs only the items not recorded', async () => {
    const step = echo();
    const { restore, asked } = restoring({ 'each[0]': { value: 'a (recorded)' }, 'each[2]': { value: 'c (recorded)' } });
    const { result } = await runRunbook(
      { steps: [{ id: 'each', type: 'test.echo', forEach: ['a', 'b', 'c', 'd'], with: { value: '${{ item }}' }, outputs: { value: 'value' } }] },
      [step],
      { restore },
    );
    expect(asked).toEqual(['each[0]', 'each[1]', 'each[2]', 'each[3]']);
    expect(step.calls).toEqual([{ value: 'b' }, { value: 'd' }]);
    expect(stepsById(result).each!.outputs).toEqual([{ value: 'a (recorded)' }, { value: 'b' }, { value: 'c (recorded)' }, { value: 'd' }]);
    expect(result.status).toBe('succeeded');
  });

  it('marks a forEach step restored when every item was', async () => {
    const step = echo();
    const { restore } = restoring({ 'each[0]': { value: 'a' }, 'each[1]': { value: 'b' } });
    const { result } = await runRunbook({ steps: [{ id: 'each', type: 'test.echo', forEach: ['a', 'b'], with: { value: '${{ item }}' } }] }, [step], { restore });
    expect(step.calls).toEqual([]);
    expect(result.steps[0]!.status).toBe('restored');
  });

  it('restores a step that recorded null outputs', async () => {
    const step = echo();
    const { restore } = restoring({ first: null });
    await runRunbook({ steps: [{ id: 'first', type: 'test.echo' }] }, [step], { restore });
    expect(step.calls).toEqual([]);
  });
});
