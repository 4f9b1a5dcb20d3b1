import { describe, expect, it } from 'vitest';
import { Unknown } from '../../engine/expressions/unknown.js';
import type { JsonObject } from '../../engine/json.js';
import { runRunbook, stepsById, testStep } from './support/harness.js';

const read = () => testStep('test.read', { run: async (ctx, input) => ({ ...input, dryRun: ctx.dryRun }) });
const write = () => testStep('test.write', { effect: 'write', plan: async (_ctx, input) => ({ summary: `create ${String(input.name)}`, details: `size ${String(input.size)}` }) });

describe('dry-run', () => {
  it('runs read steps for real and plans write steps with their resolved input, changing nothing', async () => {
    const reads = read();
    const writes = write();
    const { result, reporter } = await runRunbook(
      {
        params: { system: { type: 'string' } },
        steps: [
          { id: 'look', type: 'test.read', with: { name: '${{ params.system }}' }, outputs: { name: 'name', dryRun: 'dryRun' } },
          { id: 'create', type: 'test.write', with: { name: '${{ steps.look.outputs.name }}-compute', size: 3 }, outputs: { id: 'id' } },
        ],
      },
      [reads, writes],
      { dryRun: true, params: { system: 'prod' } },
    );
    expect(reads.calls).toEqual([{ name: 'prod' }]);
    expect(writes.calls).toEqual([]);
    expect(result.status).toBe('planned');
    expect(stepsById(result).look).toMatchObject({ status: 'succeeded', outputs: { name: 'prod', dryRun: true } });
    expect(stepsById(result).create).toMatchObject({ status: 'planned', dependsOn: ['create'] });
    expect(reporter.ofType('step-planned')).toEqual([
      expect.objectContaining({ stepId: 'create', status: 'planned', input: { name: 'prod-compute', size: 3 }, plan: { summary: 'create prod-compute', details: 'size 3' } }),
    ]);
    expect(reporter.ofType('run-started')[0]).toMatchObject({ dryRun: true });
    expect(reporter.ofType('run-finished')[0]).toMatchObject({ status: 'planned' });
  });

  it('shows steps that need a planned step\'s outputs as "depends on" it, through any number of steps', async () => {
    const reads = read();
    const { result, reporter } = await runRunbook(
      {
        steps: [
          { id: 'create', type: 'test.write', with: { name: 'a', size: 1 }, outputs: { id: 'id', ids: 'ids' } },
          { id: 'uses-input', type: 'test.read', with: { name: 'stack-${{ steps.create.outputs.id }}' }, outputs: { name: 'name' } },
          { id: 'uses-if', type: 'test.read', if: '${{ steps.create.outputs.id == `1` }}', with: { name: 'x' } },
          { id: 'uses-list', type: 'test.read', forEach: '${{ steps.create.outputs.ids }}', with: { name: '${{ item }}' } },
          { id: 'transitive', type: 'test.write', with: { name: '${{ steps."uses-input".outputs.name }}', size: 2 } },
          { id: 'independent', type: 'test.read', with: { name: 'free' } },
        ],
      },
      [reads, write()],
      { dryRun: true },
    );
    expect(reads.calls).toEqual([{ name: 'free' }]);
    const steps = stepsById(result);
    for (const id of ['uses-input', 'uses-if', 'uses-list', 'transitive']) {
      expect(steps[id], id).toMatchObject({ status: 'depends', dependsOn: ['create'] });
      expect(steps[id]!.outputs, id).toBeInstanceOf(Unknown);
    }
    expect(steps.independent!.status).toBe('succeeded');
    expect(result.status).toBe('planned');
    expect(reporter.ofType('step-planned').find((event) => event.stepId === 'uses-input')).toMatchObject({ status: 'depends', dependsOn: ['create'], input: { name: '<depends on create>' } });
  });

  it('says what a write step without plan() would run', async () => {
    const bare = testStep('test.bare', { effect: 'write' });
    const { reporter } = await runRunbook({ steps: [{ id: 'bare', type: 'test.bare', with: { n: 1 } }] }, [bare], { dryRun: true });
    expect(reporter.ofType('step-planned')[0]).toMatchObject({ status: 'planned', plan: 'would run test.bare with {"n":1}' });
    expect(bare.calls).toEqual([]);
  });

  it('decides from the input whether a step reads or writes', async () => {
    const either = testStep('test.either', { effect: (input) => (input.effect === 'read' ? 'read' : 'write') });
    const { result } = await runRunbook(
      { steps: [{ id: 'reads', type: 'test.either', with: { effect: 'read' } }, { id: 'writes', type: 'test.either', with: { effect: 'write' } }] },
      [either],
      { dryRun: true },
    );
    expect(either.calls).toEqual([{ effect: 'read' }]);
    expect(result.steps.map((s) => s.status)).toEqual(['succeeded', 'planned']);
  });

  it('shows a write step whose check() passes as "satisfied", and later steps go on', async () => {
    const checked: JsonObject[] = [];
    const ensure = testStep('test.ensure', {
      effect: 'write',
      check: async (_ctx, input) => {
        checked.push(input);
        return input.present === true;
      },
      plan: async () => 'add it',
    });
    const reads = read();
    const { result, reporter } = await runRunbook(
      {
        steps: [
          { id: 'present', type: 'test.ensure', with: { present: true }, outputs: { v: 'v' } },
          { id: 'absent', type: 'test.ensure', with: { present: false } },
          { id: 'after', type: 'test.read', with: { name: 'x', prior: '${{ steps.present.outputs }}' } },
        ],
      },
      [ensure, reads],
      { dryRun: true },
    );
    expect(checked).toEqual([{ present: true }, { present: false }]);
    expect(ensure.calls).toEqual([]);
    expect(result.steps.map((s) => s.status)).toEqual(['satisfied', 'planned', 'succeeded']);
    expect(reporter.ofType('step-planned').map((event) => [event.stepId, event.status])).toEqual([
      ['present', 'satisfied'],
      ['absent', 'planned'],
    ]);
    expect(reads.calls).toEqual([{ name: 'x', prior: { v: null } }]);
  });

  it('does not prompt for interactive steps: they "would ask"', async () => {
    const ask = testStep('test.ask', { effect: 'interactive', run: async (ctx) => ({ approved: await ctx.confirm('asked anyway') }) });
    const reads = read();
    const { result, reporter } = await runRunbook(
      { steps: [{ id: 'ask', type: 'test.ask', with: { message: 'Update prod?' } }, { id: 'after', type: 'test.read', with: { name: 'x' } }] },
      [ask, reads],
      { dryRun: true, interactive: true },
    );
    expect(ask.calls).toEqual([]);
    expect(reporter.questions).toEqual([]);
    expect(reporter.ofType('step-planned')[0]).toMatchObject({ stepId: 'ask', status: 'would-ask', plan: 'would ask: Update prod?' });
    expect(result.steps.map((s) => s.status)).toEqual(['would-ask', 'succeeded']);
    expect(reads.calls).toHaveLength(1);
  });

  it('plans each item of a forEach write step', async () => {
    const { result, reporter } = await runRunbook(
      { steps: [{ id: 'each', type: 'test.write', forEach: ['a', 'b'], with: { name: '${{ item }}', size: 1 } }] },
      [write()],
      { dryRun: true },
    );
    expect(reporter.ofType('step-planned').map((event) => [event.item, event.input])).toEqual([
      [0, { name: 'a', size: 1 }],
      [1, { name: 'b', size: 1 }],
    ]);
    expect(result.steps[0]).toMatchObject({ status: 'planned', dependsOn: ['each'] });
  });

  it('resolves the runbook\'s outputs as far as it can, leaving the rest unknown', async () => {
    const { result, reporter } = await runRunbook(
      {
        steps: [
          { id: 'look', type: 'test.read', with: { name: 'prod' }, outputs: { name: 'name' } },
          { id: 'create', type: 'test.write', with: { name: 'a', size: 1 }, outputs: { id: 'id' } },
        ],
        outputs: { name: '${{ steps.look.outputs.name }}', id: '${{ steps.create.outputs.id }}', label: '${{ steps.look.outputs.name }}/${{ steps.create.outputs.id }}' },
      },
      [read(), write()],
      { dryRun: true },
    );
    const outputs = result.outputs as Record<string, unknown>;
    expect(outputs.name).toBe('prod');
    expect(outputs.id).toBeInstanceOf(Unknown);
    expect((outputs.id as Unknown).dependsOn).toEqual(['create']);
    expect(outputs.label).toBeInstanceOf(Unknown);
    expect(reporter.ofType('run-finished')[0]!.outputs).toEqual({ name: 'prod', id: '<depends on create>', label: '<depends on create>' });
  });
});
