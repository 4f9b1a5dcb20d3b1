import { describe, expect, it } from 'vitest';
import { StepFailure } from '../../engine/step-failure.js';
import type { RunbookBody } from './support/harness.js';
import { runRunbook, testStep, untilAborted, type TestStep } from './support/harness.js';
import { RecordingReporter } from './support/recording-reporter.js';
import { until } from './support/until.js';

/** Fails with `code` on the first `failures` calls, then returns `{ attempt }`. */
function failsThenSucceeds(failures: number, code: string, retryable = true): TestStep {
  return testStep('test.flaky', {
    run: async (_ctx, _input, call) => {
      if (call <= failures) throw new StepFailure(`failure ${call}`, { code, retryable });
      return { attempt: call };
    },
  });
}

function flakyRunbook(retry: RunbookBody['steps'][number]['retry'], extra: Partial<RunbookBody['steps'][number]> = {}): RunbookBody {
  return { steps: [{ id: 'flaky', type: 'test.flaky', retry, outputs: { attempt: 'attempt' }, ...extra }] };
}

describe('interrupting the run (Ctrl-C)', () => {
  it('aborts the step in flight, ends the run "interrupted" and runs nothing after it', async () => {
    const controller = new AbortController();
    const stuck = testStep('test.stuck', { run: (ctx) => untilAborted(ctx.signal) });
    const after = testStep('test.after');
    const running = runRunbook({ steps: [{ id: 'stuck', type: 'test.stuck' }, { id: 'after', type: 'test.after' }] }, [stuck, after], { signal: controller.signal });
    await until(() => stuck.calls.length === 1, 'the step to start');
    controller.abort(new Error('interrupted'));
    const { result, reporter } = await running;
    expect(stuck.signals[0]!.aborted).toBe(true);
    expect(result.status).toBe('interrupted');
    expect(result.failure).toMatchObject({ stepId: 'stuck', code: 'interrupted' });
    expect(after.calls).toEqual([]);
    expect(reporter.ofType('run-finished')[0]).toMatchObject({ status: 'interrupted' });
  });

  it('reports "interrupted", not the error the step threw when its signal fired', async () => {
    const controller = new AbortController();
    const honours = testStep('test.honours', {
      run: async (ctx) => {
        await untilAborted(ctx.signal).catch(() => undefined);
        throw new StepFailure('`sleep` was killed by SIGTERM', { code: 'signal' });
      },
    });
    const running = runRunbook({ steps: [{ id: 'honours', type: 'test.honours', retry: { maxAttempts: 3 } }] }, [honours], { signal: controller.signal });
    await until(() => honours.calls.length === 1, 'the step to start');
    controller.abort(new Error('interrupted'));
    const { result } = await running;
    expect(result).toMatchObject({ status: 'interrupted', failure: { code: 'interrupted' } });
    expect(honours.calls).toHaveLength(1);
  });

  it('stops waiting between attempts', async () => {
    const controller = new AbortController();
    const flaky = failsThenSucceeds(1, 'throttling');
    const reporter = new RecordingReporter();
    const running = runRunbook(flakyRunbook({ maxAttempts: 3, interval: '1h' }), [flaky], { signal: controller.signal, reporter });
    await until(() => reporter.ofType('step-failed').length === 1, 'the first failure');
    controller.abort(new Error('interrupted'));
    const { result } = await running;
    expect(result.status).toBe('interrupted');
    expect(flaky.calls).toHaveLength(1);
  });

  it('ends the run even inside a step with onFailure: continue', async () => {
    const controller = new AbortController();
    const stuck = testStep('test.stuck', { run: (ctx) => untilAborted(ctx.signal) });
    const after = testStep('test.after');
    const running = runRunbook(
      { steps: [{ id: 'stuck', type: 'test.stuck', onFailure: 'continue' }, { id: 'after', type: 'test.after', onFailure: 'continue' }] },
      [stuck, after],
      { signal: controller.signal },
    );
    await until(() => stuck.calls.length === 1, 'the step to start');
    controller.abort(new Error('interrupted'));
    const { result } = await running;
    expect(result.status).toBe('interrupted');
    expect(after.calls).toEqual([]);
  });

  it('interrupts a write step\'s check() that honours its signal', async () => {
    const controller = new AbortController();
    let checking = false;
    const ensure = testStep('test.ensure', {
      effect: 'write',
      check: async (ctx) => {
        checking = true;
        return untilAborted(ctx.signal);
      },
    });
    const running = runRunbook({ steps: [{ id: 'ensure', type: 'test.ensure' }] }, [ensure], { signal: controller.signal });
    await until(() => checking, 'check() to start');
    controller.abort(new Error('interrupted'));
    const { result } = await running;
    expect(result).toMatchObject({ status: 'interrupted', failure: { stepId: 'ensure', code: 'interrupted' } });
    expect(ensure.calls).toEqual([]);
  });
});
