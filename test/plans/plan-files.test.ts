import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, readJournalLines, runCli, runFolder, runIds, startCli, waitFor } from '../support/cli.js';
import { expectRefusedAsStale, holding, reviewedPlanBed, SECRET_OUTPUT, SECRET_PARAM, type Bed } from './support/reviewed-plan-bed.js';

interface PlanFileView {
  format: number;
  kind: string;
  runbook: { path: string; name: string; version: string; sha256: string; files: { path: string; sha256: string }[] };
  params: Record<string, unknown>;
  secretParams: string[];
  engineVersion: string;
  madeBy: string;
  madeAt: string;
  steps: { id: string; decision: string; items?: string[]; writes?: { itemKey?: string; status: string; input: Record<string, unknown>; kept?: unknown; basis?: unknown }[] }[];
}

const readPlan = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PlanFileView;

describe('plan --out', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('writes a plan file: the runbook and each file it loads hashed, params without secrets, each step\'s decision, each write\'s input, kept plan and basis', async () => {
    const bed = reviewedPlanBed();
    const planned = await bed.plan();
    expectNoStackTrace(planned.printed);
    expect(planned.code, planned.printed).toBe(0);
    // the plan is printed as without --out
    expect(planned.stdout).toContain('first (would change): write first.txt');
    expect(planned.stderr).toContain('plan written to plan.json; apply exactly this plan with: stepwise apply plan.json');

    const text = bed.read('plan.json');
    expect(text).not.toContain(SECRET_PARAM);
    expect(text).not.toContain(SECRET_OUTPUT);
    expect(statSync(bed.file('plan.json')).mode & 0o777).toBe(0o600);
    const plan = readPlan(bed.file('plan.json'));
    expect(plan).toMatchObject({ format: 1, kind: 'stepwise-plan', params: { greeting: 'hello' }, secretParams: ['token'], runbook: { name: 'reviewed', version: '1.2.3', path: bed.file('reviewed.yaml') } });
    expect(plan.params).not.toHaveProperty('token');
    expect(plan.runbook.files.map((file) => file.path)).toEqual(['reviewed.yaml', 'team.mjs', 'child.yaml']);
    expect(plan.madeBy).toMatch(/^.+@.+$/);
    expect(Number.isNaN(Date.parse(plan.madeAt))).toBe(false);

    const step = (id: string) => plan.steps.find((candidate) => candidate.id === id);
    expect(step('read')).toEqual({ id: 'read', decision: 'ran' });
    expect(step('first')?.writes).toEqual([
      { status: 'planned', input: { target: 'first.txt', content: 'hello v1 *** ***' }, kept: { ticket: 'T-first-first.txt' }, basis: { content: 'basis one\n' } },
    ]);
    expect(step('each')).toMatchObject({ decision: 'ran', items: ['"a"', '"b"'] });
    expect(step('each')?.writes?.map((write) => [write.itemKey, write.kept, write.basis])).toEqual([
      ['"a"', { ticket: 'T-each-each-a.txt' }, { stamp: 'stamp one\n' }],
      ['"b"', { ticket: 'T-each-each-b.txt' }, { stamp: 'stamp one\n' }],
    ]);
    expect(step('child/inner')?.writes?.[0]).toMatchObject({ status: 'planned', input: { target: 'child.txt' } });
    // its input waits on what "first" writes: planned as depending on it, not asked to plan
    expect(step('last')?.writes).toEqual([{ status: 'depends', input: { target: 'last.txt', content: '<depends on first>' } }]);
  });

  it('keeps --json and --format markdown as they are, and writes the same plan file', async () => {
    const bed = reviewedPlanBed();
    const json = await bed.plan(['--json']);
    expect(json.code, json.printed).toBe(0);
    const document = JSON.parse(json.stdout) as { dryRun: boolean; status: string };
    expect(document).toMatchObject({ dryRun: true, status: 'planned' });
    expect(readPlan(bed.file('plan.json')).steps.length).toBeGreaterThan(0);
    writeFileSync(bed.file('plan.json'), '');

    const markdown = await bed.plan(['--format', 'markdown']);
    expect(markdown.code, markdown.printed).toBe(0);
    expect(markdown.stdout).toMatch(/^# /m);
    expect(markdown.stdout).not.toContain(SECRET_PARAM);
    expect(readPlan(bed.file('plan.json')).kind).toBe('stepwise-plan');
  });

  it('refuses a kept plan that holds a secret: a plan file never holds one', async () => {
    const bed = reviewedPlanBed(`apiVersion: stepwise/v1
name: keeps-a-secret
version: 1.0.0
plugins: [./team.mjs]
params:
  token: { type: string, secret: true }
steps:
  - id: leaky
    type: team.write
    with: { target: "\${{ params.token }}.txt", content: x }
`);
    const planned = await bed.plan();
    expectNoStackTrace(planned.printed);
    expect(planned.code, planned.printed).toBe(1);
    expect(planned.printed).toContain('team.write: its plan keeps a secret value for apply (Plan.kept), which a plan file must never hold');
    expect(planned.printed).not.toContain(SECRET_PARAM);
    expect(existsSync(bed.file('plan.json'))).toBe(false);
  });

  describe('discards what a plan kept outside its file when it writes none', () => {
    const failingRead = `  - id: read
    type: team.read
`;

    it('when a later step fails', async () => {
      const bed = reviewedPlanBed(holding(failingRead));
      bed.write('world.json', 'not json');
      const planned = await bed.plan();
      expectNoStackTrace(planned.printed);
      expect(planned.code, planned.printed).toBe(1);
      expect(existsSync(bed.file('plan.json'))).toBe(false);
      expect(bed.read('discarded.log')).toBe('T-hold-held.txt\n');
      expect(planned.stderr).toContain('stepwise: step "hold": discarded what its plan kept for apply: ticket T-hold-held.txt in the ticket desk');
    });

    it('when it is interrupted, with a signal of its own', async () => {
      const bed = reviewedPlanBed(holding(failingRead));
      bed.write('hold', '');
      const plan = startCli(['plan', 'reviewed.yaml', '--out', 'plan.json'], { cwd: bed.dir, env: { STEPWISE_PARAM_TOKEN: SECRET_PARAM } });
      await waitFor('the plan to reach the read step', () => existsSync(bed.file('holding')));
      plan.child.kill('SIGINT');
      const result = await plan.done;
      expect(result.code, result.printed).toBe(130);
      expect(existsSync(bed.file('plan.json'))).toBe(false);
      expect(bed.read('discarded.log')).toBe('T-hold-held.txt\n');
    });

    it('when it kept a secret', async () => {
      const bed = reviewedPlanBed(holding(`  - id: leaky
    type: team.hold
    with: { target: "\${{ params.token }}.txt", content: x }
`));
      const planned = await bed.plan();
      expect(planned.code, planned.printed).toBe(1);
      expect(planned.printed).toContain('its plan keeps a secret value for apply');
      expect(bed.read('discarded.log')).toBe(`T-hold-held.txt\nT-leaky-${SECRET_PARAM}.txt\n`);
      expect(planned.printed).not.toContain(SECRET_PARAM);
    });

    it('when a sub-runbook is planned again by its retried parent step, what the attempt before kept', async () => {
      const bed = reviewedPlanBed(`apiVersion: stepwise/v1
name: retried
version: 1.0.0
plugins: [./team.mjs]
steps:
  - id: child
    type: runbook
    with: { path: counted.yaml }
    retry: { maxAttempts: 2, interval: 10ms, until: "count > \`1\`" }
`);
      bed.write('counted.yaml', `apiVersion: stepwise/v1
name: counted
version: 1.0.0
plugins: [./team.mjs]
steps:
  - id: hold
    type: team.hold
    with: { target: held.txt, content: x }
  - id: count
    type: team.count
    outputs: { count: count }
outputs:
  count: "\${{ steps.count.outputs.count }}"
`);
      bed.write('number-tickets', '');
      const planned = await bed.plan();
      expectNoStackTrace(planned.printed);
      expect(planned.code, planned.printed).toBe(0);
      expect(bed.plans(), 'the child was planned twice').toEqual(['hold held.txt', 'hold held.txt']);
      expect(bed.read('discarded.log')).toBe('T-hold-held.txt.1\n');
      expect(planned.stderr).toContain('stepwise: step "child/hold": discarded what an attempt of its plan kept before it was planned again: ticket T-hold-held.txt.1 in the ticket desk');
      const { steps } = readPlan(bed.file('plan.json'));
      expect(steps.find((step) => step.id === 'child/hold')!.writes![0]!.kept).toEqual({ ticket: 'T-hold-held.txt.2' });
    });

    it('and names as left what its step type cannot discard, rather than saying it was discarded', async () => {
      const bed = reviewedPlanBed(`apiVersion: stepwise/v1
name: tells
version: 1.0.0
plugins: [./team.mjs]
steps:
  - id: tell
    type: team.tell
    with: { target: told.txt, content: x }
${failingRead}`);
      bed.write('world.json', 'not json');
      const planned = await bed.plan();
      expect(planned.code, planned.printed).toBe(1);
      expect(planned.stderr).toContain('stepwise: step "tell": cannot discard what its plan kept for apply, so it is left: ticket T-tell-told.txt in the ticket desk: its step type cannot discard it');
      expect(planned.stderr).not.toContain('discarded what its plan kept');
    });

    it('and names what is left when it cannot discard it', async () => {
      const bed = reviewedPlanBed(holding(failingRead));
      bed.write('world.json', 'not json');
      bed.write('jam', '');
      const planned = await bed.plan();
      expectNoStackTrace(planned.printed);
      expect(planned.code, planned.printed).toBe(1);
      expect(planned.stderr).toContain('stepwise: step "hold": cannot discard what its plan kept for apply, so it is left: ticket T-hold-held.txt in the ticket desk: the ticket desk is down');
    });
  });

  it('refuses, before planning, an --out it could not write to', async () => {
    const bed = reviewedPlanBed();
    const planned = await runCli(['plan', 'reviewed.yaml', '--out', 'no-such-folder/plan.json'], { cwd: bed.dir, env: { STEPWISE_PARAM_TOKEN: SECRET_PARAM } });
    expectNoStackTrace(planned.printed);
    expect(planned.code, planned.printed).toBe(2);
    expect(planned.stderr).toContain(`--out no-such-folder/plan.json: the folder ${bed.file('no-such-folder')} does not exist`);
    expect(bed.plans()).toEqual([]);
  });

  it('writes no plan file when the plan fails', async () => {
    const bed = reviewedPlanBed();
    bed.write('world.json', 'not json');
    const planned = await bed.plan();
    expect(planned.code, planned.printed).toBe(1);
    expect(planned.stderr).toContain('the plan did not complete (failed): no plan file written to plan.json');
    expect(existsSync(bed.file('plan.json'))).toBe(false);
  });
});

/** A write, then a step that waits until the file `go` exists: an apply can be stopped between them. */
const WRITE_THEN_WAIT = `apiVersion: stepwise/v1
name: waiting
version: 1.0.0
plugins: [./team.mjs]
steps:
  - id: first
    type: team.write
    with: { target: first.txt, content: one }
  - id: wait
    type: team.wait
    with: { target: wait.txt, content: two }
`;

/** Plans WRITE_THEN_WAIT, applies it and stops the apply with SIGTERM once it waits; its run's id. */
async function applyInterruptedAtTheWait(bed: Bed): Promise<string> {
  expect((await bed.plan()).code).toBe(0);
  const apply = startCli(['apply', 'plan.json', '--state-dir', bed.stateDir], { cwd: bed.dir });
  const runId = await waitFor('the run to record it', () => runIds(bed.stateDir)[0]);
  await waitFor('the wait step to start', () => readJournalLines(bed.stateDir, runId).some((line) => line.type === 'step-started' && line.stepId === 'wait'));
  apply.child.kill('SIGTERM');
  expect((await apply.done).code).toBe(130);
  return runId;
}

describe('apply', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('carries out the plan: each write gets its kept plan as ctx.reviewed, nothing is planned again, and run.json names the plan', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    const plansMade = bed.plans();
    const applied = await bed.apply();
    expectNoStackTrace(applied.printed);
    expect(applied.code, applied.printed).toBe(0);
    expect(bed.reviewed()).toEqual([
      { step: 'first', target: 'first.txt', reviewed: { ticket: 'T-first-first.txt' } },
      { step: 'each', target: 'each-a.txt', reviewed: { ticket: 'T-each-each-a.txt' } },
      { step: 'each', target: 'each-b.txt', reviewed: { ticket: 'T-each-each-b.txt' } },
      { step: 'inner', target: 'child.txt', reviewed: { ticket: 'T-inner-child.txt' } },
      // planned depending on "first": no plan() ran for it, so nothing was kept
      { step: 'last', target: 'last.txt', reviewed: null },
    ]);
    // apply's check prepares nothing again: plan() ran only when the plan was made
    expect(bed.plans()).toEqual(plansMade);
    expect(bed.read('first.txt')).toBe(`hello v1 ${SECRET_PARAM} ${SECRET_OUTPUT}`);
    expect(bed.read('last.txt')).toBe('after first.txt');

    const runId = onlyRunId(bed.stateDir);
    const recordText = readFileSync(path.join(runFolder(bed.stateDir, runId), 'run.json'), 'utf8');
    expect(recordText).not.toContain(SECRET_PARAM);
    expect(recordText).not.toContain(SECRET_OUTPUT);
    const record = JSON.parse(recordText) as { plan: { path: string; sha256: string; madeBy: string; steps: { id: string; writes: { kept?: unknown }[] }[] } };
    expect(record.plan.path).toBe(bed.file('plan.json'));
    expect(record.plan.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record.plan.madeBy).toBe(readPlan(bed.file('plan.json')).madeBy);
    expect(record.plan.steps.find((step) => step.id === 'first')?.writes[0]?.kept).toEqual({ ticket: 'T-first-first.txt' });
    const shown = await runCli(['show', runId, '--state-dir', bed.stateDir], { cwd: bed.dir });
    expect(shown.stdout).toContain(`applies the reviewed plan ${bed.file('plan.json')} (made by ${record.plan.madeBy}`);
    const page = await runCli(['show', runId, '--format', 'markdown', '--state-dir', bed.stateDir], { cwd: bed.dir });
    expect(page.stdout).toContain(`Applies the reviewed plan \`${bed.file('plan.json')}\``);
  });

  it('--json prints the run with the plan it carried out', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    const applied = await bed.apply(['--json']);
    expect(applied.code, applied.printed).toBe(0);
    const document = JSON.parse(applied.stdout) as { runId: string; status: string; dryRun: boolean; plan: { path: string; sha256: string } };
    expect(document).toMatchObject({ runId: onlyRunId(bed.stateDir), status: 'succeeded', dryRun: false, plan: { path: bed.file('plan.json') } });
    expect(applied.stdout).not.toContain(SECRET_PARAM);
  });

  it('an interrupted apply resumes with the reviewed plans from run.json, and a finished write does not run again', async () => {
    const bed = reviewedPlanBed(WRITE_THEN_WAIT);
    const runId = await applyInterruptedAtTheWait(bed);
    expect(bed.reviewed().map((line) => line.step)).toEqual(['first', 'wait']);

    // the plan file is gone: run.json holds what the resume needs
    writeFileSync(bed.file('plan.json'), 'gone');
    writeFileSync(bed.file('go'), '');
    const resumed = await runCli(['resume', runId, '--yes', '--state-dir', bed.stateDir], { cwd: bed.dir });
    expectNoStackTrace(resumed.printed);
    expect(resumed.code, resumed.printed).toBe(0);
    expect(bed.reviewed()).toEqual([
      { step: 'first', target: 'first.txt', reviewed: { ticket: 'T-first-first.txt' } },
      { step: 'wait', target: 'wait.txt', reviewed: { ticket: 'T-wait-wait.txt' } },
      { step: 'wait', target: 'wait.txt', reviewed: { ticket: 'T-wait-wait.txt' } },
    ]);
    expect(bed.read('wait.txt')).toBe('two');
  });

  it.each([
    ['SIGTERM', 130],
    ['SIGHUP', 129],
    ['SIGQUIT', 131],
  ] as const)('interrupted by %s while it checks the plan: exit %i, nothing written or recorded', async (signal, code) => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('hold', '');
    const apply = startCli(['apply', 'plan.json', '--state-dir', bed.stateDir], { cwd: bed.dir, env: { STEPWISE_PARAM_TOKEN: SECRET_PARAM } });
    await waitFor('the check to reach the read step', () => existsSync(bed.file('holding')));
    apply.child.kill(signal);
    const result = await apply.done;
    expectNoStackTrace(result.printed);
    expect(result.code, result.printed).toBe(code);
    expect(result.stderr).toContain('stepwise: interrupted while checking plan.json; nothing was written or recorded');
    expect(runIds(bed.stateDir)).toEqual([]);
    expect(bed.reviewed()).toEqual([]);
  });

  it('stops a write whose input is not the reviewed one when it comes to it (stale-plan), recorded and resumable', async () => {
    const bed = reviewedPlanBed(`apiVersion: stepwise/v1
name: dry-run-dependent
version: 1.0.0
plugins: [./team.mjs]
steps:
  - id: differs
    type: team.write
    with: { target: differs.txt, content: "dry-run \${{ run.dryRun }}" }
`);
    expect((await bed.plan()).code).toBe(0);
    const applied = await bed.apply();
    expectNoStackTrace(applied.printed);
    expect(applied.code, applied.printed).toBe(1);
    expect(applied.stderr).toContain('step "differs" failed: stale plan: step "differs" would get other input than the reviewed plan recorded: with.content: "dry-run false", was "dry-run true"');
    expect(applied.stderr).toContain('to resume: stepwise resume');
    const runId = onlyRunId(bed.stateDir);
    expect(readJournalLines(bed.stateDir, runId).find((line) => line.type === 'step-failed')?.error?.code).toBe('stale-plan');
    expect(bed.reviewed()).toEqual([]);
    expect(existsSync(bed.file('differs.txt'))).toBe(false);
  });
});

describe('apply refuses a stale plan, exit 2, naming what differs, writing and recording nothing', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('when the runbook changed', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('reviewed.yaml', `${bed.read('reviewed.yaml')}# a comment\n`);
    expectRefusedAsStale(bed, await bed.apply(), 'reviewed.yaml: changed since the plan was made');
  });

  it('whatever the cause, saying what the plan kept outside its file stays as it is', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    expect(bed.read('plan.json')).toContain('"keptOutside": "ticket T-hold-held.txt in the ticket desk"');
    bed.write('reviewed.yaml', `${bed.read('reviewed.yaml')}# a comment\n`);
    const applied = await bed.apply();
    expectRefusedAsStale(bed, applied, 'reviewed.yaml: changed since the plan was made');
    expect(applied.stderr).toContain('step "hold": apply leaves what the plan kept as it is: ticket T-hold-held.txt in the ticket desk; a new plan makes another');
    expect(applied.stderr).toContain(`  to remove what the plan kept: stepwise discard plan.json --state-dir ${bed.stateDir}\n`);
    // the command it suggests reaches the state apply was given: apply then knows the plan is discarded
    const discarded = await runCli(['discard', 'plan.json', '--state-dir', bed.stateDir], { cwd: bed.dir });
    expect(discarded.code, discarded.printed).toBe(0);
    expect((await bed.apply()).stderr).toContain('stale plan: plan.json was discarded');
  });

  it('when a plugin changed', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('team.mjs', `${bed.read('team.mjs')}// changed\n`);
    expectRefusedAsStale(bed, await bed.apply(), 'team.mjs: changed since the plan was made');
  });

  it('when a runbook it runs changed', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('child.yaml', bed.read('child.yaml').replace('from the child', 'from a changed child'));
    expectRefusedAsStale(bed, await bed.apply(), 'child.yaml: changed since the plan was made');
  });

  it('when a param is given with another value', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    expectRefusedAsStale(bed, await bed.apply([], { STEPWISE_PARAM_GREETING: 'goodbye' }), 'param "greeting": STEPWISE_PARAM_GREETING gives "goodbye"; the plan was made with "hello"');
  });

  it('when another stepwise made it', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('plan.json', bed.read('plan.json').replace(/"engineVersion": "[^"]*"/, '"engineVersion": "0.0.1"'));
    expectRefusedAsStale(bed, await bed.apply(), /the plan was made by stepwise 0\.0\.1; this is stepwise \d/);
  });

  it('when a write step would get other input', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.setWorld({ value: 'v2', items: ['a', 'b'] });
    const applied = await bed.apply();
    expectRefusedAsStale(bed, applied, 'step "first": other input: with.content: "hello v2 *** ***", was "hello v1 *** ***"');
    expect(applied.printed).not.toContain(SECRET_PARAM);
  });

  it('when an if decides otherwise', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.setWorld({ value: 'skip', items: ['a', 'b'] });
    expectRefusedAsStale(bed, await bed.apply(), 'step "first": the plan ran it; now it is skipped (its if is false)');
  });

  it('when a forEach list changed', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.setWorld({ value: 'v1', items: ['a', 'c'] });
    const applied = await bed.apply();
    expectRefusedAsStale(bed, applied, 'step "each": forEach items not in the plan: "c"');
    expect(applied.stderr).toContain('step "each": forEach items no longer in the list: "b"');
  });

  it('when a basis changed, told by the step type\'s own differences', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('basis.txt', 'basis two\n');
    expectRefusedAsStale(bed, await bed.apply(), 'step "first": what it was planned against changed: basis.txt says basis two, was basis one');
  });

  it('when a basis changed, compared by the engine where the step type says nothing', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('stamp.txt', 'stamp two\n');
    const applied = await bed.apply();
    expectRefusedAsStale(bed, applied, 'step "each", item "a": what it was planned against changed: basis.stamp: "stamp two\\n", was "stamp one\\n"');
    expect(applied.stderr).toContain('step "each", item "b": what it was planned against changed');
  });

  it('when it was applied already: a plan is carried out once', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    expect((await bed.apply()).code).toBe(0);
    const runId = onlyRunId(bed.stateDir);
    const writes = bed.reviewed().length;
    const again = await bed.apply();
    expectNoStackTrace(again.printed);
    expect(again.code, again.printed).toBe(2);
    expect(again.stderr).toContain(`stepwise: stale plan: plan.json was applied already, by run ${runId}`);
    expect(again.stderr).toContain('that run succeeded: what the plan reviewed is done');
    expect(again.stderr).not.toContain('stepwise resume');
    expect(runIds(bed.stateDir)).toEqual([runId]);
    expect(bed.reviewed()).toHaveLength(writes);
  });

  it('when it was applied already by a run that stopped: that run is resumed, not the plan applied again', async () => {
    const bed = reviewedPlanBed(WRITE_THEN_WAIT);
    const runId = await applyInterruptedAtTheWait(bed);
    const again = await runCli(['apply', 'plan.json', '--state-dir', bed.stateDir], { cwd: bed.dir });
    expectNoStackTrace(again.printed);
    expect(again.code, again.printed).toBe(2);
    expect(again.stderr).toContain(`that run ended interrupted: go on with it: stepwise resume ${runId} --state-dir ${bed.stateDir}`);
    expect(runIds(bed.stateDir)).toEqual([runId]);
  });

  it('with --json, as an error document of kind stale-plan', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('basis.txt', 'basis two\n');
    const applied = await bed.apply(['--json']);
    expectRefusedAsStale(bed, applied, 'basis.txt says basis two');
    const document = JSON.parse(applied.stdout) as { error: { kind: string; message: string; details: string[] }; exitCode: number };
    expect(document.exitCode).toBe(2);
    expect(document.error.kind).toBe('stale-plan');
    expect(document.error.message).toMatch(/^stale plan: /);
    expect(document.error.details).toContain('step "first": what it was planned against changed: basis.txt says basis two, was basis one');
  });
});

describe('apply refuses what is not a plan it can carry out, exit 2, located, nothing recorded', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  const cases: [what: string, content: (plan: string) => string, message: RegExp][] = [
    ['a file that is not JSON', (plan) => plan.slice(0, 40), /^stepwise: plan\.json:\d+:\d+: not a plan file: it is not valid JSON/m],
    ['a JSON file of something else', () => '{"runId": "x"}', /^stepwise: plan\.json: not a stepwise plan file/m],
    ['a plan of a newer format', (plan) => plan.replace('"format": 1', '"format": 9'), /^stepwise: plan\.json: plan format 9 was written by a newer stepwise; this one reads format 1/m],
    ['a plan with a part missing', (plan) => plan.replace('"steps":', '"stairs":'), /^stepwise: plan\.json: not a plan file this stepwise can apply \(format 1\):\n {2}the plan is missing the required key "steps"/m],
  ];
  for (const [what, content, message] of cases) {
    it(what, async () => {
      const bed = reviewedPlanBed();
      expect((await bed.plan()).code).toBe(0);
      bed.write('plan.json', content(bed.read('plan.json')));
      const applied = await bed.apply();
      expectNoStackTrace(applied.printed);
      expect(applied.code, applied.printed).toBe(2);
      expect(applied.stderr).toMatch(message);
      expect(runIds(bed.stateDir)).toEqual([]);
    });
  }

  it('a plan whose runbook is gone', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    rmSync(bed.file('reviewed.yaml'));
    const applied = await bed.apply();
    expectNoStackTrace(applied.printed);
    expect(applied.code, applied.printed).toBe(2);
    expect(applied.stderr).toContain(`stepwise: plan.json: the plan's runbook is not at ${bed.file('reviewed.yaml')}`);
    expect(runIds(bed.stateDir)).toEqual([]);
  });

  it('a missing plan file', async () => {
    const bed = reviewedPlanBed();
    const applied = await bed.apply();
    expect(applied.code, applied.printed).toBe(2);
    expect(applied.stderr).toContain('plan.json: cannot read the plan file (there is no such file)');
  });

  it('secret params not given again, with no terminal to ask on', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    const applied = await runCli(['apply', 'plan.json', '--state-dir', bed.stateDir], { cwd: bed.dir });
    expect(applied.code, applied.printed).toBe(2);
    expect(applied.stderr, 'the line to copy keeps where the run goes').toContain(`STEPWISE_PARAM_TOKEN=... stepwise apply plan.json --state-dir ${bed.stateDir}\n`);
    expect(runIds(bed.stateDir)).toEqual([]);
  });
});
