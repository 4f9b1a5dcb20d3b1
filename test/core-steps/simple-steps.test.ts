import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../engine/json.js';
import { StepFailure } from '../../engine/step-failure.js';
import approve from '../../steps/core/approve.js';
import assert from '../../steps/core/assert.js';
import manual from '../../steps/core/manual.js';
import set from '../../steps/core/set.js';
import sleep from '../../steps/core/sleep.js';
import { fakeStepContext } from '../support/step-context.js';
import { rejectionOf } from './rejection-of.js';

describe('assert', () => {
  it.each<[JsonValue]>([[true], [0], ['no'], [[0]], [{ a: null }], [-1]])('passes for %j', async (that) => {
    await expect(assert.run(fakeStepContext(), { that })).resolves.toEqual({ that });
  });

  it.each<[JsonValue]>([[false], [null], [''], [[]], [{}]])('fails for %j with the message', async (that) => {
    const failure = await rejectionOf(assert.run(fakeStepContext(), { that, message: 'the stack is not in production' }));
    expect(failure).toBeInstanceOf(StepFailure);
    expect(failure).toMatchObject({ code: 'assertion', retryable: false, message: 'the stack is not in production' });
    expect((failure as StepFailure).details).toContain(JSON.stringify(that));
  });

  it('has a message of its own when the runbook gives none', async () => {
    await expect(assert.run(fakeStepContext(), { that: false })).rejects.toThrow('the assertion failed');
  });
});

describe('approve', () => {
  it('asks for the approval and goes on once given, saying by whom', async () => {
    const ctx = fakeStepContext({ answers: [true] });
    await expect(approve.run(ctx, { message: 'Update prod to Production?' })).resolves.toEqual({ approved: true, approvedBy: ['tester'] });
    expect(ctx.approvals).toEqual([{ message: 'Update prod to Production?', approvers: [], minApprovals: 1, allowSelfApproval: true, timeout: '24h' }]);
  });

  it('with approvers, the operator does not count unless the runbook says so', async () => {
    const ctx = fakeStepContext({ answers: [true, true] });
    await approve.run(ctx, { message: 'Go?', approvers: ['alice'], minApprovals: 2, timeout: '2h' });
    await approve.run(ctx, { message: 'Go?', approvers: ['alice'], allowSelfApproval: true });
    expect(ctx.approvals).toEqual([
      { message: 'Go?', approvers: ['alice'], minApprovals: 2, allowSelfApproval: false, timeout: '2h' },
      { message: 'Go?', approvers: ['alice'], minApprovals: 1, allowSelfApproval: true, timeout: '24h' },
    ]);
  });

  it('says in a dry-run whom it would wait for', async () => {
    await expect(approve.plan!(fakeStepContext(), { message: 'Go?' })).resolves.toBe('would ask: Go?');
    await expect(approve.plan!(fakeStepContext(), { message: 'Go?', approvers: ['alice', 'arn:aws:iam::*:user/bob'], minApprovals: 2 })).resolves.toBe(
      'would wait for 2 approvals by alice, arn:aws:iam::*:user/bob (not the operator), at most 24h: Go?',
    );
  });

  it('fails as declined after a no', async () => {
    const ctx = fakeStepContext({ answers: [false] });
    const failure = await rejectionOf(approve.run(ctx, { message: 'Delete the stack?' }));
    expect(failure).toBeInstanceOf(StepFailure);
    expect(failure).toMatchObject({ code: 'declined', retryable: false });
    expect((failure as Error).message).toContain('Delete the stack?');
  });
});

describe('manual', () => {
  const instructions = '# Rotate the key\n\n1. Open the console.\r\n2. Press **Rotate**.\n';

  it('logs the instructions line by line, then asks whether it is done', async () => {
    const ctx = fakeStepContext({ answers: [true] });
    await expect(manual.run(ctx, { instructions })).resolves.toEqual({ done: true });
    expect(ctx.logs).toEqual(['# Rotate the key', '', '1. Open the console.', '2. Press **Rotate**.']);
    expect(ctx.questions).toEqual(['Done with the manual step "step-test"?']);
  });

  it('fails as declined when the operator says it is not done', async () => {
    const failure = await rejectionOf(manual.run(fakeStepContext({ answers: [false] }), { instructions }));
    expect(failure).toMatchObject({ code: 'declined', retryable: false });
  });
});

describe('set', () => {
  it('returns the values, so that each key can become an output', async () => {
    const values = { stackName: 'prod-compute', count: 3, tags: ['a'], nested: { ok: true } };
    await expect(set.run(fakeStepContext(), { values })).resolves.toEqual(values);
  });
});

describe('sleep', () => {
  it('waits the duration', async () => {
    const started = performance.now();
    await expect(sleep.run(fakeStepContext(), { duration: '30ms' })).resolves.toEqual({ milliseconds: 30 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('ends early with the abort reason when the signal fires', async () => {
    const ctx = fakeStepContext();
    const sleeping = sleep.run(ctx, { duration: '1h' });
    const reason = new Error('interrupted');
    ctx.abort(reason);
    expect(await rejectionOf(sleeping)).toBe(reason);
  });

  it('does not wait when the signal has already fired', async () => {
    const ctx = fakeStepContext();
    ctx.abort(new Error('timed out'));
    await expect(sleep.run(ctx, { duration: '10m' })).rejects.toThrow('timed out');
  });

  it('names a duration it cannot read', async () => {
    const failure = await rejectionOf(sleep.run(fakeStepContext(), { duration: '10 minutes' }));
    expect(failure).toMatchObject({ code: 'invalid-input', retryable: false });
    expect((failure as Error).message).toContain('"10 minutes"');
  });
});
