import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, readJournalLines, runCli, runIds, startCli, waitFor, type CliResult } from '../support/cli.js';
import { holding, reviewedPlanBed, SECRET_PARAM, type Bed } from './support/reviewed-plan-bed.js';

function discard(bed: Bed, ...extra: string[]): Promise<CliResult> {
  return runCli(['discard', 'plan.json', '--state-dir', bed.stateDir, ...extra], { cwd: bed.dir });
}

/** The plan file's SHA-256, which names its claim in the state. */
const planSha256 = (bed: Bed) => createHash('sha256').update(readFileSync(bed.file('plan.json'))).digest('hex');

/** What team.hold discarded, one ticket a line. */
const discarded = (bed: Bed) => (existsSync(bed.file('discarded.log')) ? bed.read('discarded.log') : '');

const HOLD_THEN_WAIT = holding(`  - id: wait
    type: team.wait
    with: { target: wait.txt, content: two }
`);

describe('discard', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('removes what the plan kept outside its file, one line each; again, it says already gone, exit 0; apply then refuses the plan', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    expect(discarded(bed)).toBe('');

    const first = await discard(bed);
    expectNoStackTrace(first.printed);
    expect(first.code, first.printed).toBe(0);
    expect(first.stdout).toBe('step "hold": removed ticket T-hold-held.txt in the ticket desk\n');
    expect(first.stderr).toContain('stepwise: plan.json is discarded: apply refuses it from now on');
    expect(discarded(bed)).toBe('T-hold-held.txt\n');

    const second = await discard(bed);
    expect(second.code, second.printed).toBe(0);
    expect(second.stdout).toBe('step "hold": already gone: ticket T-hold-held.txt in the ticket desk\n');
    expect(discarded(bed)).toBe('T-hold-held.txt\n');

    const applied = await bed.apply();
    expectNoStackTrace(applied.printed);
    expect(applied.code, applied.printed).toBe(2);
    expect(applied.stderr).toMatch(/^stepwise: stale plan: plan\.json was discarded \(at \S+ by \S+\); nothing was written:/m);
    expect(runIds(bed.stateDir)).toEqual([]);
    expect(bed.reviewed()).toEqual([]);
  });

  it('says so when the plan kept nothing outside its file', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    const result = await discard(bed);
    expect(result.code, result.printed).toBe(0);
    expect(result.stdout).toBe('plan.json kept nothing outside its file: nothing to remove\n');
    expect((await bed.apply()).code).toBe(2);
  });

  it('--json: what it removed, as one document', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    const result = await discard(bed, '--json');
    expect(result.code, result.printed).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      plan: { path: bed.file('plan.json'), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      discarded: [{ step: 'hold', what: 'ticket T-hold-held.txt in the ticket desk', outcome: 'removed' }],
    });
  });

  it('names what it could not remove, with why, exit 1; run again once the cause is gone, it removes it', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    bed.write('jam', '');
    const jammed = await discard(bed);
    expectNoStackTrace(jammed.printed);
    expect(jammed.code, jammed.printed).toBe(1);
    expect(jammed.stdout).toBe('step "hold": left, cannot remove ticket T-hold-held.txt in the ticket desk: the ticket desk is down\n');
    rmSync(bed.file('jam'));
    const again = await discard(bed);
    expect(again.code, again.printed).toBe(0);
    expect(again.stdout).toBe('step "hold": removed ticket T-hold-held.txt in the ticket desk\n');
  });

  it('names what a plan file kept without saying how to remove it (an older stepwise\'s) as left, exit 1', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    const plan = JSON.parse(bed.read('plan.json')) as { steps: { writes?: { discardWith?: unknown }[] }[] };
    for (const step of plan.steps) for (const write of step.writes ?? []) delete write.discardWith;
    bed.write('plan.json', JSON.stringify(plan));
    const result = await discard(bed);
    expectNoStackTrace(result.printed);
    expect(result.code, result.printed).toBe(1);
    expect(result.stdout).toBe('step "hold": left, cannot remove ticket T-hold-held.txt in the ticket desk: the plan file does not say how to remove it (its step type cannot discard it): remove it by hand\n');
    expect(discarded(bed)).toBe('');
  });

  it('refuses a plan applied already, exit 2, removing nothing', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    expect((await bed.apply()).code).toBe(0);
    const runId = onlyRunId(bed.stateDir);
    const result = await discard(bed);
    expectNoStackTrace(result.printed);
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toContain(`stepwise: cannot discard plan.json: it was applied, by run ${runId}`);
    expect(result.stderr).toContain('that run succeeded: what the plan reviewed is done');
    expect(discarded(bed)).toBe('');
  });

  it('refuses a plan whose claim in the state is damaged, naming the file, for apply and discard alike', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    // what a crash between creating the claim and writing it would leave
    const claim = bed.write(`state/plans/${planSha256(bed)}.json`, '');
    for (const result of [await bed.apply(), await discard(bed)]) {
      expectNoStackTrace(result.printed);
      expect(result.code, result.printed).toBe(2);
      expect(result.stderr).toContain(`stepwise: ${claim} is not a claim on a plan stepwise wrote`);
    }
    expect(discarded(bed)).toBe('');
    expect(runIds(bed.stateDir)).toEqual([]);
  });

  it('refuses a state folder that is a file, saying so, for apply and discard alike', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    const notAFolder = bed.write('not-a-folder', '');
    const env = { STEPWISE_PARAM_TOKEN: SECRET_PARAM };
    for (const command of ['apply', 'discard']) {
      const result = await runCli([command, 'plan.json', '--state-dir', notAFolder], { cwd: bed.dir, env });
      expectNoStackTrace(result.printed);
      expect(result.code, result.printed).toBe(2);
      expect(result.stderr).toContain(`stepwise: ${notAFolder}/plans: cannot keep runs there: a part of the path is a file, not a folder`);
    }
    expect(discarded(bed)).toBe('');
  });

  it('names the claim to delete when the run that took the plan was never recorded', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    const sha256 = planSha256(bed);
    const claim = { plan: sha256, by: 'apply', runId: '20261203-000000-dead', at: '2026-12-03T00:00:00.000Z', user: 'someone' };
    bed.write(`state/plans/${sha256}.json`, JSON.stringify(claim));
    const result = await bed.apply();
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toContain('stale plan: plan.json was applied already, by run 20261203-000000-dead');
    expect(result.stderr).toContain(`if \`stepwise runs --state-dir ${bed.stateDir}\` never lists it, delete plans/${sha256}.json from the state to free the plan`);
  });

  it('refuses a plan being applied, exit 2, removing nothing', async () => {
    const bed = reviewedPlanBed(HOLD_THEN_WAIT);
    expect((await bed.plan()).code).toBe(0);
    const apply = startCli(['apply', 'plan.json', '--state-dir', bed.stateDir], { cwd: bed.dir, env: { STEPWISE_PARAM_TOKEN: SECRET_PARAM } });
    const runId = await waitFor('the run to record it', () => runIds(bed.stateDir)[0]);
    await waitFor('the wait step to start', () => readJournalLines(bed.stateDir, runId).some((line) => line.type === 'step-started' && line.stepId === 'wait'));
    const result = await discard(bed);
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toContain(`stepwise: cannot discard plan.json: it was applied, by run ${runId}`);
    expect(result.stderr).toContain(`that run is going on now: follow it with \`stepwise show ${runId} --state-dir ${bed.stateDir}\``);
    expect(discarded(bed)).toBe('');
    bed.write('go', '');
    expect((await apply.done).code).toBe(0);
  });

  it('refuses what is not a plan file, located, exit 2, as apply does', async () => {
    const bed = reviewedPlanBed(holding(''));
    expect((await bed.plan()).code).toBe(0);
    bed.write('plan.json', bed.read('plan.json').slice(0, 40));
    const result = await discard(bed);
    expectNoStackTrace(result.printed);
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toMatch(/^stepwise: plan\.json:\d+:\d+: not a plan file: it is not valid JSON/m);
    const missing = await runCli(['discard', 'nothing.json', '--state-dir', bed.stateDir], { cwd: bed.dir });
    expect(missing.code, missing.printed).toBe(2);
    expect(missing.stderr).toContain('nothing.json: cannot read the plan file (there is no such file)');
    expect(existsSync(bed.file('state/plans')), 'nothing was taken').toBe(false);
  });
});

describe('apply takes its plan once, even at the same moment', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('of two applies started together, one runs; the other is refused, naming it', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('hold', '');
    const env = { STEPWISE_PARAM_TOKEN: SECRET_PARAM };
    const applies = [0, 1].map(() => startCli(['apply', 'plan.json', '--state-dir', bed.stateDir], { cwd: bed.dir, env }));
    // both past the question whether the plan was taken, both held in their check's read
    await waitFor('both applies to check the plan', () => readdirSync(bed.dir).filter((name) => name.startsWith('holding.')).length === 2);
    bed.write('go', '');
    const results = await Promise.all(applies.map((apply) => apply.done));
    const codes = results.map((result) => result.code).sort();
    expect(codes, results.map((result) => result.printed).join('\n---\n')).toEqual([0, 2]);
    const runId = onlyRunId(bed.stateDir);
    const refused = results.find((result) => result.code === 2)!;
    expectNoStackTrace(refused.printed);
    expect(refused.stderr).toContain(`stepwise: stale plan: plan.json was applied already, by run ${runId}`);
    expect(bed.reviewed().filter((entry) => entry.step === 'first'), 'the write ran once').toHaveLength(1);
    expect(JSON.parse(readFileSync(bed.file(`state/plans/${JSON.parse(readFileSync(bed.file(`state/runs/${runId}/run.json`), 'utf8')).plan.sha256}.json`), 'utf8'))).toMatchObject({ by: 'apply', runId });
  });
});
