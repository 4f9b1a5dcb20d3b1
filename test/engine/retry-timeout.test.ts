import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunbookBody } from './support/harness.js';
import { forever, runRunbook, stepsById, testStep, untilAborted, type TestStep } from './support/harness.js';
import { RecordingReporter } from './support/recording-reporter.js';
import { until } from './support/until.js';
import { StepFailure } from '../../engine/step-failure.js';
import { STOP_GRACE_MS } from '../../engine/execute/abortable.js';

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

describe('retry', () => {
  // setImmediate stays real: `until` lets promise chains run with it while the clock stands still
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => void vi.useRealTimers());

  it('waits interval × backoffRate^(attempt-1) between attempts, capped at maxInterval', async () => {
    const flaky = failsThenSucceeds(Infinity, 'throttling');
    const attemptTimes: number[] = [];
    const started = Date.now();
    const reporter = new RecordingReporter();
    const running = runRunbook(flakyRunbook({ maxAttempts: 5, interval: '2s', backoffRate: 3, maxInterval: '10s' }), [flaky], { reporter });

    for (const [index, wait] of [2_000, 6_000, 10_000, 10_000].entries()) {
      const attempt = index + 1;
      await until(() => flaky.calls.length === attempt, `attempt ${attempt}`);
      attemptTimes.push(Date.now() - started);
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(flaky.calls, `attempt ${attempt + 1} came before its ${wait} ms wait`).toHaveLength(attempt);
      await vi.advanceTimersByTimeAsync(1);
    }
    const { result } = await running;
    attemptTimes.push(Date.now() - started);

    expect(attemptTimes).toEqual([0, 2_000, 8_000, 18_000, 28_000]);
    expect(flaky.calls).toHaveLength(5);
    expect(result.failure).toMatchObject({ stepId: 'flaky', code: 'throttling', message: 'failure 5' });
    expect(reporter.ofType('step-failed').map((event) => [event.willRetry, event.retryInMs])).toEqual([
      [true, 2_000],
      [true, 6_000],
      [true, 10_000],
      [true, 10_000],
      [false, undefined],
    ]);
    expect(reporter.ofType('step-started').map((event) => event.attempt)).toEqual([1, 2, 3, 4, 5]);
  });

  it('waits 1s, then twice as long each time, when interval and backoffRate are not given', async () => {
    const flaky = failsThenSucceeds(2, 'throttling');
    const reporter = new RecordingReporter();
    const running = runRunbook(flakyRunbook({ maxAttempts: 3 }), [flaky], { reporter });
    await until(() => flaky.calls.length === 1, 'the first attempt');
    await vi.runAllTimersAsync();
    const { result } = await running;
    expect(reporter.ofType('step-failed').map((event) => event.retryInMs)).toEqual([1_000, 2_000]);
    expect(result.status).toBe('succeeded');
    expect(stepsById(result).flaky!.outputs).toEqual({ attempt: 3 });
  });

  it('retries only the failure codes listed in `on`', async () => {
    const listed = failsThenSucceeds(1, 'throttling');
    const running = runRunbook(flakyRunbook({ maxAttempts: 3, on: ['throttling', 'timeout'] }), [listed]);
    await until(() => listed.calls.length === 1, 'the first attempt');
    await vi.runAllTimersAsync();
    expect((await running).result.status).toBe('succeeded');
    expect(listed.calls).toHaveLength(2);

    const unlisted = failsThenSucceeds(1, 'exit-code');
    const { result } = await runRunbook(flakyRunbook({ maxAttempts: 3, on: ['throttling', 'timeout'] }), [unlisted]);
    expect(unlisted.calls).toHaveLength(1);
    expect(result.failure).toMatchObject({ code: 'exit-code' });
  });

  it.each([
    ['a StepFailure marked retryable: false', 'conflict', false],
    ['a failed assertion', 'assertion', true],
    ['invalid input', 'invalid-input', true],
    ['a declined approval', 'declined', true],
  ])('never retries %s', async (_, code, retryable) => {
    const final = failsThenSucceeds(1, code, retryable);
    const { result, reporter } = await runRunbook(flakyRunbook({ maxAttempts: 5, interval: '1s' }), [final]);
    expect(final.calls).toHaveLength(1);
    expect(result.failure).toMatchObject({ code });
    expect(reporter.ofType('step-failed')[0]).toMatchObject({ willRetry: false });
  });

  it('does not run a step again because its outputs selector fails: the step itself succeeded', async () => {
    const write = testStep('test.flaky', { effect: 'write', run: async () => ({ id: 'text' }) });
    const running = runRunbook(flakyRunbook({ maxAttempts: 3, interval: '1s' }, { outputs: { size: 'abs(id)' } }), [write]);
    await until(() => write.calls.length === 1, 'the first attempt');
    await vi.runAllTimersAsync();
    const { result } = await running;
    expect(write.calls).toHaveLength(1);
    expect(result.status).toBe('failed');
  });
});

describe('retry.until', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => void vi.useRealTimers());

  /** Answers as a slowly converging system does: one more node running at each call. */
  const converging = () => testStep('test.flaky', { run: async (_ctx, _input, call) => ({ running: Array.from({ length: call }, (_, i) => `node-${i}`) }) });

  it('runs the step again while its result does not satisfy the selector, and keeps the result that does', async () => {
    const nodes = converging();
    const reporter = new RecordingReporter();
    const running = runRunbook(
      { steps: [{ id: 'flaky', type: 'test.flaky', retry: { maxAttempts: 5, interval: '10s', backoffRate: 1, until: 'length(running) >= `3`' }, outputs: { running: 'running' } }] },
      [nodes],
      { reporter },
    );
    await until(() => nodes.calls.length === 1, 'the first attempt');
    await vi.runAllTimersAsync();
    const { result } = await running;
    expect(result.status).toBe('succeeded');
    expect(nodes.calls).toHaveLength(3);
    expect(stepsById(result).flaky!.outputs).toEqual({ running: ['node-0', 'node-1', 'node-2'] });
    expect(reporter.ofType('step-failed').map((event) => [event.error.code, event.willRetry, event.retryInMs])).toEqual([
      ['until-not-met', true, 10_000],
      ['until-not-met', true, 10_000],
    ]);
  });

  it('fails with until-not-met, naming the selector and showing the last outputs, when the attempts run out; `on` does not stop the polling', async () => {
    const nodes = converging();
    const running = runRunbook(
      { steps: [{ id: 'flaky', type: 'test.flaky', retry: { maxAttempts: 2, interval: '1s', on: ['throttling'], until: 'length(running) >= `3`' }, outputs: { nodes: 'running' } }] },
      [nodes],
    );
    await until(() => nodes.calls.length === 1, 'the first attempt');
    await vi.runAllTimersAsync();
    const { result } = await running;
    expect(nodes.calls).toHaveLength(2);
    expect(result.failure).toMatchObject({
      stepId: 'flaky',
      code: 'until-not-met',
      message: 'the result is not yet what retry.until asks for (length(running) >= `3`) after 2 of 2 attempts',
      details: 'outputs of this attempt: {"nodes":["node-0","node-1"]}',
    });
  });

  it('fails at once when the selector cannot be evaluated on the result', async () => {
    const nodes = converging();
    const { result } = await runRunbook({ steps: [{ id: 'flaky', type: 'test.flaky', retry: { maxAttempts: 5, until: 'length(running.count)' } }] }, [nodes]);
    expect(nodes.calls).toHaveLength(1);
    expect(result.failure).toMatchObject({ stepId: 'flaky', code: 'expression' });
    expect(result.failure!.message).toMatch(/^retry\.until: /);
  });
});

describe('timeout', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => void vi.useRealTimers());

  it('aborts the step\'s signal and fails with code "timeout", even when the step ignores its signal', async () => {
    const stuck = testStep('test.stuck', { run: () => forever() });
    const after = testStep('test.after');
    const running = runRunbook({ steps: [{ id: 'stuck', type: 'test.stuck', timeout: '5s' }, { id: 'after', type: 'test.after' }] }, [stuck, after]);
    await until(() => stuck.calls.length === 1, 'the step to start');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(stuck.signals[0]!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(stuck.signals[0]!.aborted).toBe(true);
    // it has the grace to settle (a process step's group to end) before the run goes on without it
    let over = false;
    void running.then(() => (over = true));
    await vi.advanceTimersByTimeAsync(STOP_GRACE_MS - 1);
    expect(over, 'the run went on before the stopped step had its grace').toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { result } = await running;
    expect(result.status).toBe('failed');
    expect(result.failure).toMatchObject({ stepId: 'stuck', code: 'timeout', message: 'timed out after 5s' });
    expect(after.calls).toEqual([]);
  });

  it('gives each attempt its own timeout, so `on: [timeout]` can retry a hung attempt', async () => {
    const hangsOnce = testStep('test.flaky', {
      run: (ctx, _input, call) => (call === 1 ? untilAborted(ctx.signal) : Promise.resolve({ attempt: call })),
    });
    const running = runRunbook(flakyRunbook({ maxAttempts: 2, interval: '1s', on: ['timeout'] }, { timeout: '30s' }), [hangsOnce]);
    await until(() => hangsOnce.calls.length === 1, 'the first attempt');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(hangsOnce.signals[0]!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    const { result } = await running;
    expect(result.status).toBe('succeeded');
    expect(hangsOnce.signals[1]!.aborted).toBe(false);
    expect(stepsById(result).flaky!.outputs).toEqual({ attempt: 2 });
  });

  it('leaves a step that finishes in time alone', async () => {
    const quick = testStep('test.quick');
    const running = runRunbook({ steps: [{ id: 'quick', type: 'test.quick', timeout: '1s' }] }, [quick]);
    await until(() => quick.calls.length === 1, 'the step to run');
    const { result } = await running;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(result.status).toBe('succeeded');
    expect(quick.signals[0]!.aborted).toBe(false);
  });
});
