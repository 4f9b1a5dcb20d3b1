/**
 * A reviewed plan meets approvals and notifications: `stepwise apply` announces like `run`, and
 * an apply whose runbook waits for another person's approval stops like a run (`--no-wait`,
 * exit 3), is approved from another process, and its resume carries out the reviewed plan.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, runCli } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { useTeam } from '../support/moto-team.js';
import { reviewedPlanBed, SECRET_PARAM } from '../plans/support/reviewed-plan-bed.js';
import { encodedForms, openWebhookInbox, type WebhookInbox } from '../support/webhook-inbox.js';

const moto = useMoto();

function gatedRunbook(hook: string, approval: string): string {
  return `apiVersion: stepwise/v1
name: gated
version: 1.0.0
plugins: [./team.mjs]
params:
  token: { type: string, secret: true }
notify: { webhook: ${hook} }
steps:
  - id: first
    type: team.write
    with: { target: first.txt, content: "one \${{ params.token }}" }
${approval}
  - id: last
    type: team.note
    with: { target: last.txt, content: two }
`;
}

describeMoto('apply, with notifications and approvals', () => {
  const team = useTeam(moto, 'applied');
  let inbox: WebhookInbox;

  beforeAll(async () => {
    inbox = await openWebhookInbox();
  });

  afterAll(async () => {
    await inbox?.close();
  });

  it('announces the finished apply to the runbook\'s webhook; the plan announces nothing', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const bed = reviewedPlanBed(gatedRunbook(`${inbox.base}/hooks/applied`, ''));
    expect((await bed.plan()).code).toBe(0);
    expect(inbox.heard.filter((one) => one.path === '/hooks/applied')).toEqual([]);
    const applied = await bed.apply();
    expect(applied.code, applied.printed).toBe(0);
    const runId = onlyRunId(bed.stateDir);
    const succeeded = await inbox.event('/hooks/applied', 'succeeded');
    expect(succeeded.body.stepwise).toMatchObject({ event: 'succeeded', runbook: 'gated', runId });
    for (const form of encodedForms(SECRET_PARAM)) expect(succeeded.raw).not.toContain(form);
    expect(inbox.heard.filter((one) => one.path === '/hooks/applied')).toHaveLength(1);
  });

  it('waits at another\'s approval like a run: --no-wait exits 3, approve, then resume carries out the reviewed plan', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const approval = `  - id: sign-off\n    type: approve\n    with: { message: "Apply the reviewed plan with \${{ params.token }}?", approvers: ["${team.approver.arn}"] }`;
    const bed = reviewedPlanBed(gatedRunbook(`${inbox.base}/hooks/gated`, approval));
    const state = team.newState();
    const asOperator = { ...team.operator.env, STEPWISE_PARAM_TOKEN: SECRET_PARAM };
    const planned = await bed.plan([], asOperator);
    expect(planned.code, planned.printed).toBe(0);
    expect(planned.stdout).toContain(`would wait for 1 approval by ${team.approver.arn} (not the operator)`);

    const stopped = await runCli(['apply', 'plan.json', '--state', state, '--no-wait', '--json'], { cwd: bed.dir, env: asOperator });
    expectNoStackTrace(stopped.printed);
    expect(stopped.code, stopped.printed).toBe(3);
    const [, runId] = /to resume once approved: stepwise resume (\S+) --state /.exec(stopped.stderr) ?? [];
    expect(runId, stopped.printed).toBeDefined();
    expect(JSON.parse(stopped.stdout)).toMatchObject({
      status: 'waiting',
      plan: { path: bed.file('plan.json') },
      waitingFor: { stepId: 'sign-off', message: 'Apply the reviewed plan with ***?', command: `stepwise approve ${runId} --step sign-off --state ${state}`, resume: `stepwise resume ${runId} --state ${state}` },
    });
    for (const form of encodedForms(SECRET_PARAM)) expect(stopped.printed).not.toContain(form);
    const waiting = await inbox.event('/hooks/gated', 'waiting');
    expect(waiting.body.stepwise).toMatchObject({ runId, step: 'sign-off', approve: `stepwise approve ${runId} --step sign-off --state ${state}` });
    expect(bed.reviewed().map((line) => line.step), 'nothing after the approval ran').toEqual(['first']);

    const approved = await runCli(['approve', runId!, '--state', state], { cwd: bed.dir, env: team.approver.env });
    expect(approved.code, approved.printed).toBe(0);
    const resumed = await runCli(['resume', runId!, '--state', state], { cwd: bed.dir, env: asOperator });
    expectNoStackTrace(resumed.printed);
    expect(resumed.code, resumed.printed).toBe(0);
    expect(bed.reviewed()).toEqual([
      { step: 'first', target: 'first.txt', reviewed: { ticket: 'T-first-first.txt' } },
      { step: 'last', target: 'last.txt', reviewed: { ticket: 'T-last-last.txt' } },
    ]);
    const succeeded = await inbox.event('/hooks/gated', 'succeeded');
    expect(succeeded.body.stepwise).toMatchObject({ runId });
    for (const heard of [waiting, succeeded]) for (const form of encodedForms(SECRET_PARAM)) expect(heard.raw).not.toContain(form);

    const shown = JSON.parse((await runCli(['show', runId!, '--json', '--state', state], { cwd: bed.dir })).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ status: 'succeeded', plan: { path: bed.file('plan.json') }, approvals: [{ stepId: 'sign-off', by: team.approver.arn, decision: 'approve' }] });
  });
});
