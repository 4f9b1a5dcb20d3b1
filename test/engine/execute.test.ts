import type { ApprovalRequest } from '../../engine/step-definition.js';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../engine/secrets.js';
import { StepFailure } from '../../engine/step-failure.js';
import { runRunbook, stepsById, testStep } from './support/harness.js';
import { RecordingReporter } from './support/recording-reporter.js';

/** Returns its `value` input: what `outputs:` selectors read. */
const echo = () => testStep('test.echo', { input: { type: 'object', properties: { value: {} } }, run: async (_ctx, input) => input.value ?? null });
const fail = () =>
  testStep('test.fail', {
    run: async () => {
      throw new StepFailure('it broke', { code: 'broken', details: 'more about it' });
    },
  });

describe('executeRunbook', () => {
  it('runs the steps in order and reports each one', async () => {
    const step = echo();
    const { result, reporter } = await runRunbook(
      {
        steps: [
          { id: 'first', type: 'test.echo', with: { value: 1 } },
          { id: 'second', type: 'test.echo', with: { value: 2 } },
          { id: 'third', type: 'test.echo', with: { value: 3 } },
        ],
      },
      [step],
    );
    expect(step.calls.map((input) => input.value)).toEqual([1, 2, 3]);
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['first', 'succeeded'],
      ['second', 'succeeded'],
      ['third', 'succeeded'],
    ]);
    expect(reporter.timeline()).toEqual([
      'run-started',
      'step-started:first',
      'step-succeeded:first',
      'step-finished:first',
      'step-started:second',
      'step-succeeded:second',
      'step-finished:second',
      'step-started:third',
      'step-succeeded:third',
      'step-finished:third',
      'run-finished',
    ]);
    expect(reporter.ofType('run-started')[0]).toMatchObject({ runId: 'run-test', runbook: 'test', version: '1.0.0', dryRun: false });
  });

  it('passes resolved params and earlier outputs to later steps, through outputs selectors', async () => {
    const step = echo();
    const { result } = await runRunbook(
      {
        params: { system: { type: 'string' } },
        steps: [
          {
            id: 'describe',
            type: 'test.echo',
            with: { value: { Stacks: [{ StackStatus: 'UPDATE_COMPLETE', Outputs: [{ OutputKey: 'DatomicProductionCompute' }] }] } },
            outputs: {
              status: 'Stacks[0].StackStatus',
              production: "length(Stacks[0].Outputs[?OutputKey=='DatomicProductionCompute']) > `0`",
              missing: 'Stacks[1].StackStatus',
            },
          },
          { id: 'use', type: 'test.echo', with: { value: '${{ params.system }} is ${{ steps.describe.outputs.status }}' } },
        ],
        outputs: { production: '${{ steps.describe.outputs.production }}', summary: '${{ steps.use.outputs }}' },
      },
      [step],
      { params: { system: 'prod' } },
    );
    expect(stepsById(result).describe!.outputs).toEqual({ status: 'UPDATE_COMPLETE', production: true, missing: null });
    expect(step.calls[1]).toEqual({ value: 'prod is UPDATE_COMPLETE' });
    expect(result.outputs).toEqual({ production: true, summary: 'prod is UPDATE_COMPLETE' });
  });

  it('exposes the whole result as outputs when the step declares no selectors', async () => {
    const { result } = await runRunbook({ steps: [{ id: 'a', type: 'test.echo', with: { value: { raw: [1, 2] } } }] }, [echo()]);
    expect(stepsById(result).a!.outputs).toEqual({ raw: [1, 2] });
  });

  it('leaves out a `with` key whose expression comes out null, as if it were not given', async () => {
    const step = echo();
    await runRunbook({ params: { name: { type: 'string', required: false } }, steps: [{ id: 'a', type: 'test.echo', with: { value: '${{ params.name }}' } }] }, [step]);
    expect(step.calls).toEqual([{}]);
  });

  describe('if', () => {
    it('skips a step whose condition is false, and runs one whose condition is true', async () => {
      const step = echo();
      const { result, reporter } = await runRunbook(
        {
          params: { go: { type: 'boolean' } },
          steps: [
            { id: 'skipped', type: 'test.echo', if: '${{ !params.go }}', with: { value: 'no' } },
            { id: 'ran', type: 'test.echo', if: '${{ params.go }}', with: { value: 'yes' } },
            { id: 'literal', type: 'test.echo', if: false, with: { value: 'never' } },
            { id: 'reads', type: 'test.echo', if: "${{ steps.skipped.status == 'skipped' }}", with: { value: '${{ steps.skipped.status }}' } },
          ],
        },
        [step],
        { params: { go: true } },
      );
      expect(step.calls).toEqual([{ value: 'yes' }, { value: 'skipped' }]);
      expect(result.steps.map((s) => s.status)).toEqual(['skipped', 'succeeded', 'skipped', 'succeeded']);
      expect(reporter.ofType('step-skipped').map((event) => event.stepId)).toEqual(['skipped', 'literal']);
      expect(reporter.ofType('step-skipped').map((event) => event.reason)).toEqual(['params.go is true', 'if: false']);
    });

    it("says why a step is skipped in the runbook's words, with its expressions resolved", async () => {
      const { reporter } = await runRunbook(
        {
          params: { system: { type: 'string' }, production: { type: 'boolean' } },
          steps: [{ id: 'convert', type: 'test.echo', if: '${{ !params.production }}', skipReason: '${{ params.system }} already runs Production', with: { value: 'no' } }],
        },
        [echo()],
        { params: { system: 'orders', production: true } },
      );
      expect(reporter.ofType('step-skipped').map((event) => event.reason)).toEqual(['orders already runs Production']);
    });

    it('without a skipReason, reads the condition as words: the path and the value that decided it', async () => {
      const { reporter } = await runRunbook(
        {
          params: { name: { type: 'string', required: false }, list: { type: 'array', items: { type: 'string' } }, n: { type: 'number' } },
          steps: [
            { id: 'unset', type: 'test.echo', if: '${{ params.name }}', with: { value: 1 } },
            { id: 'empty', type: 'test.echo', if: '${{ params.list }}', with: { value: 2 } },
            { id: 'compared', type: 'test.echo', if: '${{ params.n > `3` }}', with: { value: 3 } },
          ],
        },
        [echo()],
        { params: { list: [], n: 2 } },
      );
      expect(reporter.ofType('step-skipped').map((event) => event.reason)).toEqual(['params.name is not set', 'params.list is an empty list', 'params.n > `3` is false']);
    });

    it.each([
      ['folded (>)', '>'],
      ['literal (|)', '|'],
    ])('skips a step whose false condition is written as a %s block scalar', async (_, indicator) => {
      const step = echo();
      const yaml = [
        'apiVersion: stepwise/v1',
        'name: test',
        'version: 1.0.0',
        'params: { go: { type: boolean } }',
        'steps:',
        '  - id: guarded',
        '    type: test.echo',
        `    if: ${indicator}`,
        '      ${{ params.go }}',
        '',
      ].join('\n');
      const { result } = await runRunbook(yaml, [step], { params: { go: false } });
      expect(step.calls).toEqual([]);
      expect(result.steps[0]!.status).toBe('skipped');
    });
  });

  describe('forEach', () => {
    it('runs once per item with `item` in expressions, and its outputs become a list', async () => {
      const step = echo();
      const { result, reporter } = await runRunbook(
        {
          params: { databases: { type: 'array' } },
          steps: [
            { id: 'each', type: 'test.echo', forEach: '${{ params.databases }}', with: { value: { db: '${{ item }}', label: 'db-${{ item }}' } }, outputs: { name: 'db' } },
            { id: 'names', type: 'test.echo', with: { value: '${{ steps.each.outputs[].name }}' } },
          ],
        },
        [step],
        { params: { databases: ['orders', 'users'] } },
      );
      expect(step.calls.slice(0, 2)).toEqual([{ value: { db: 'orders', label: 'db-orders' } }, { value: { db: 'users', label: 'db-users' } }]);
      expect(stepsById(result).each!.outputs).toEqual([{ name: 'orders' }, { name: 'users' }]);
      expect(step.calls[2]).toEqual({ value: ['orders', 'users'] });
      expect(reporter.timeline()).toContain('step-succeeded:each[0]');
      expect(reporter.timeline()).toContain('step-succeeded:each[1]');
    });

    it('takes a literal list, and gives a list of outputs even for one item or none', async () => {
      const { result } = await runRunbook(
        {
          steps: [
            { id: 'one', type: 'test.echo', forEach: [{ n: 1 }], with: { value: '${{ item }}' }, outputs: { n: 'n' } },
            { id: 'none', type: 'test.echo', forEach: [], with: { value: '${{ item }}' }, outputs: { n: 'n' } },
          ],
        },
        [echo()],
      );
      expect(stepsById(result).one!.outputs).toEqual([{ n: 1 }]);
      expect(stepsById(result).none).toMatchObject({ status: 'succeeded', outputs: [] });
    });

    it('stops at the first item that fails', async () => {
      const step = testStep('test.flaky', {
        run: async (_ctx, input) => {
          if (input.value === 'bad') throw new StepFailure('bad item', { code: 'broken' });
          return input.value ?? null;
        },
      });
      const { result } = await runRunbook({ steps: [{ id: 'each', type: 'test.flaky', forEach: ['ok', 'bad', 'never'], with: { value: '${{ item }}' } }] }, [step]);
      expect(step.calls.map((input) => input.value)).toEqual(['ok', 'bad']);
      expect(result).toMatchObject({ status: 'failed', failure: { stepId: 'each', message: 'bad item', code: 'broken' } });
    });

    it('fails the step, not the process, when forEach is not a list', async () => {
      const { result } = await runRunbook(
        {
          steps: [
            { id: 'list', type: 'test.echo', with: { value: 'orders' }, outputs: { databases: '@' } },
            { id: 'each', type: 'test.echo', forEach: '${{ steps.list.outputs.databases }}', with: { value: '${{ item }}' } },
          ],
        },
        [echo()],
      );
      expect(result.status).toBe('failed');
      expect(result.failure).toMatchObject({ stepId: 'each', code: 'invalid-input' });
      expect(result.failure!.message).toContain('not a list');
    });
  });

  describe('failures', () => {
    it('stops the run at a failing step: later steps do not run and the failure is reported', async () => {
      const after = echo();
      const { result, reporter } = await runRunbook(
        { steps: [{ id: 'breaks', type: 'test.fail' }, { id: 'after', type: 'test.echo' }] },
        [fail(), after],
      );
      expect(after.calls).toEqual([]);
      expect(result.status).toBe('failed');
      expect(result.failure).toEqual({ stepId: 'breaks', message: 'it broke', code: 'broken', details: 'more about it' });
      expect(result.steps.map((s) => s.status)).toEqual(['failed', 'not-run']);
      expect(result.outputs).toBeNull();
      expect(reporter.ofType('step-failed')).toEqual([expect.objectContaining({ stepId: 'breaks', willRetry: false, error: { message: 'it broke', code: 'broken', details: 'more about it' } })]);
      expect(reporter.ofType('run-finished')[0]).toMatchObject({ status: 'failed' });
    });

    it('goes on after a step with onFailure: continue, which later steps can test', async () => {
      const after = echo();
      const { result } = await runRunbook(
        {
          steps: [
            { id: 'breaks', type: 'test.fail', onFailure: 'continue' },
            { id: 'after', type: 'test.echo', with: { value: '${{ steps.breaks.status }}' }, outputs: { saw: '@' } },
          ],
        },
        [fail(), after],
      );
      expect(result.status).toBe('succeeded');
      expect(result.failure).toBeUndefined();
      expect(stepsById(result).breaks).toMatchObject({ status: 'failed', error: { code: 'broken' } });
      expect(stepsById(result).after!.outputs).toEqual({ saw: 'failed' });
    });

    it('fails a step whose input breaks its type\'s schema once resolved, without running it', async () => {
      const strict = testStep('test.strict', { input: { type: 'object', properties: { count: { type: 'integer' } } } });
      const { result } = await runRunbook(
        { params: { count: { type: 'string' } }, steps: [{ id: 'strict', type: 'test.strict', with: { count: '${{ params.count }}' } }] },
        [strict],
        { params: { count: 'many' } },
      );
      expect(strict.calls).toEqual([]);
      expect(result.failure).toMatchObject({ stepId: 'strict', code: 'invalid-input' });
      expect(result.failure!.message).toContain('"with.count"');
    });

    it('fails a step whose outputs selector cannot be evaluated, naming the selector', async () => {
      const { result } = await runRunbook({ steps: [{ id: 'a', type: 'test.echo', with: { value: 'text' }, outputs: { n: 'length(@) > `1` && abs(@)' } }] }, [echo()]);
      expect(result.status).toBe('failed');
      expect(result.failure!.message).toContain('abs(@)');
    });

    it('reports a runbook output that cannot be evaluated as a failed run, not a crash', async () => {
      const run = runRunbook({ steps: [{ id: 'a', type: 'test.echo', with: { value: 'text' }, outputs: { v: '@' } }], outputs: { total: '${{ sum(steps.a.outputs.v) }}' } }, [echo()]);
      await expect(run).resolves.toMatchObject({ result: { status: 'failed' } });
      const { reporter } = await run;
      expect(reporter.ofType('run-finished')).toHaveLength(1);
    });

    it('treats an exception that is not a StepFailure as a failure with code "error"', async () => {
      const crash = testStep('test.crash', {
        run: async () => {
          throw new TypeError('cannot read x of undefined');
        },
      });
      const { result } = await runRunbook({ steps: [{ id: 'crash', type: 'test.crash' }] }, [crash]);
      expect(result.failure).toEqual({ stepId: 'crash', message: 'cannot read x of undefined', code: 'error' });
    });
  });

  describe('write steps with check()', () => {
    it('skips run() when check() says the change is in place', async () => {
      const inPlace = testStep('test.ensure', { effect: 'write', check: async () => true });
      const { result, reporter } = await runRunbook({ steps: [{ id: 'ensure', type: 'test.ensure', with: { a: 1 } }] }, [inPlace]);
      expect(inPlace.calls).toEqual([]);
      expect(result.steps[0]!.status).toBe('satisfied');
      expect(reporter.ofType('step-succeeded')[0]).toMatchObject({ stepId: 'ensure', via: 'check' });
    });

    it('runs when check() says it is not', async () => {
      const notYet = testStep('test.ensure', { effect: 'write', check: async () => false });
      const { result } = await runRunbook({ steps: [{ id: 'ensure', type: 'test.ensure', with: { a: 1 } }] }, [notYet]);
      expect(notYet.calls).toEqual([{ a: 1 }]);
      expect(result.steps[0]!.status).toBe('succeeded');
    });
  });

  describe('interactive steps', () => {
    const ask = () => testStep('test.ask', { effect: 'interactive', run: async (ctx, input) => ({ approved: await ctx.confirm(String(input.message)) }) });

    it.each([
      [{ minApprovals: 0 }, 'minApprovals 0 is not a whole number of at least 1'],
      [{ minApprovals: 1.5 }, 'minApprovals 1.5 is not a whole number of at least 1'],
      [{ approvers: 'alice' }, 'approvers "alice" is not a list of identities, patterns or user names'],
      [{ timeout: 'soon' }, 'approval timeout "soon" is not a duration such as 30m or 24h'],
    ])('refuses a step\'s approval request %j that nobody could satisfy or need, approving nothing even with --yes', async (wrong, message) => {
      const asking = testStep('test.approval', {
        effect: 'interactive',
        run: async (ctx) => ({ approvedBy: (await ctx.approve({ message: 'Go on?', approvers: [], minApprovals: 1, allowSelfApproval: true, timeout: '1h', ...wrong } as ApprovalRequest)).approvedBy }),
      });
      const { result } = await runRunbook({ steps: [{ id: 'ask', type: 'test.approval' }] }, [asking], { assumeYes: true });
      expect(result.status).toBe('failed');
      expect(result.failure).toMatchObject({ stepId: 'ask', code: 'invalid-input', message });
    });

    it('refuses to ask without a terminal or --yes, and the run ends declined', async () => {
      const { result } = await runRunbook({ steps: [{ id: 'ask', type: 'test.ask', with: { message: 'Go on?' } }] }, [ask()]);
      expect(result.status).toBe('declined');
      expect(result.failure).toMatchObject({ stepId: 'ask', code: 'declined' });
      expect(result.failure!.message).toContain('--yes');
    });

    it('answers yes with --yes, without asking', async () => {
      const reporter = new RecordingReporter();
      const { result } = await runRunbook({ steps: [{ id: 'ask', type: 'test.ask', with: { message: 'Go on?' } }] }, [ask()], { assumeYes: true, reporter });
      expect(result.status).toBe('succeeded');
      expect(reporter.questions).toEqual([]);
    });

    it('asks through the reporter on a terminal, with secrets redacted', async () => {
      const redactor = new Redactor();
      redactor.add('p4ssw0rd');
      const reporter = new RecordingReporter([true]);
      await runRunbook({ steps: [{ id: 'ask', type: 'test.ask', with: { message: 'Use p4ssw0rd?' } }] }, [ask()], { interactive: true, reporter, redactor });
      expect(reporter.questions).toEqual(['Use ***?']);
    });
  });

  it('runs the cleanups steps registered, last first, even when a step fails', async () => {
    const order: string[] = [];
    const starts = testStep('test.starts', {
      run: async (ctx, input) => {
        ctx.onRunEnd(() => void order.push(`stop ${String(input.name)}`));
        return null;
      },
    });
    const { result } = await runRunbook(
      { steps: [{ id: 'one', type: 'test.starts', with: { name: 'one' } }, { id: 'two', type: 'test.starts', with: { name: 'two' } }, { id: 'breaks', type: 'test.fail' }] },
      [starts, fail()],
    );
    expect(result.status).toBe('failed');
    expect(order).toEqual(['stop two', 'stop one']);
  });

  it('lends a step the run\'s id, its own id, the runbook folder and the evaluated settings with overrides on top', async () => {
    const seen: unknown[] = [];
    const probe = testStep('test.probe', {
      run: async (ctx) => {
        seen.push({ runId: ctx.runId, stepId: ctx.stepId, dryRun: ctx.dryRun, runbookDir: ctx.runbookDir, cloud: ctx.settings('cloud'), other: ctx.settings('other') });
        return null;
      },
    });
    await runRunbook(
      { params: { region: { type: 'string' } }, cloud: { region: '${{ params.region }}', profile: 'ops' }, steps: [{ id: 'probe', type: 'test.probe' }] },
      [probe],
      { params: { region: 'eu-west-1' }, settingsOverrides: { cloud: { profile: 'admin' } } },
    );
    expect(seen).toEqual([{ runId: 'run-test', stepId: 'probe', dryRun: false, runbookDir: '/nonexistent/stepwise-tests', cloud: { region: 'eu-west-1', profile: 'admin' }, other: {} }]);
  });

  it('shows a step\'s progress and log lines under its label', async () => {
    const chatty = testStep('test.chatty', {
      run: async (ctx) => {
        ctx.progress('halfway');
        ctx.log('a line');
        return null;
      },
    });
    const { reporter } = await runRunbook({ steps: [{ id: 'each', type: 'test.chatty', forEach: [1] }] }, [chatty]);
    expect(reporter.lines).toEqual(['each[0] progress: halfway', 'each[0] log: a line']);
  });
});
