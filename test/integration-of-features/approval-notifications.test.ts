/**
 * Approvals, notifications and secrets together, as a team meets them: a run with a secret
 * waits for another person's approval, a webhook on 127.0.0.1 hears that it waits (who may
 * approve, the exact command) and how it ended, and neither notification holds the secret.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, runCli, startCli, workspace } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { useTeam } from '../support/moto-team.js';
import { untilListedWaiting } from '../support/waiting-run.js';
import { encodedForms, openWebhookInbox, type Heard, type WebhookInbox } from '../support/webhook-inbox.js';

const moto = useMoto();
/** Characters that JSON, URLs and base64 each write differently. */
const SECRET = 'tok/en+4711"quoted"';

function expectNoSecret(heard: Heard): void {
  for (const form of encodedForms(SECRET)) expect(heard.raw, `the secret as ${form}`).not.toContain(form);
}

describeMoto('a run that waits for a team\'s approval tells a webhook, without its secrets', () => {
  const team = useTeam(moto, 'notified');
  let inbox: WebhookInbox;

  beforeAll(async () => {
    inbox = await openWebhookInbox();
  });

  afterAll(async () => {
    await inbox?.close();
  });

  /** The secret goes into a step's command and into the approval's message. */
  function setUp(hookPath: string) {
    const ws = workspace();
    ws.write(
      'release.yaml',
      `apiVersion: stepwise/v1
name: release
version: 2.0.0
params:
  token: { type: string, secret: true }
notify: { webhook: ${inbox.base}${hookPath} }
steps:
  - id: login
    type: shell
    with: { command: [echo, "logged in with \${{ params.token }}"], effect: read }
  - id: sign-off
    type: approve
    with: { message: "Release with \${{ params.token }}?", approvers: ["${team.approver.arn}"] }
  - id: release
    type: shell
    with: { command: [echo, released], effect: read }
`,
    );
    const state = team.newState();
    return { ws, state, env: { ...team.operator.env, STEPWISE_PARAM_TOKEN: SECRET } };
  }

  it('hears the waiting notification (who may approve, the exact command), then the success once another approves', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state, env } = setUp('/hooks/approved');
    const run = startCli(['run', 'release.yaml', '--state', state], { cwd: ws.dir, env });
    const waiting = await inbox.event('/hooks/approved', 'waiting');
    const runId = String(waiting.body.stepwise.runId);
    const command = `stepwise approve ${runId} --step sign-off --state ${state}`;
    expect(waiting.body.stepwise).toMatchObject({ event: 'waiting', status: 'waiting', runbook: 'release', step: 'sign-off', approvers: [team.approver.arn], minApprovals: 1, approve: command });
    expect(waiting.body.text).toContain(`Who may approve: ${team.approver.arn} (not ${team.operator.arn}, who runs it) (1 approval needed).`);
    expect(waiting.body.stepwise.allowSelfApproval).toBe(false);
    expect(waiting.body.text).toContain(command);
    expect(waiting.body.text).toContain('Release with ***?');
    expectNoSecret(waiting);

    await untilListedWaiting(runId, ['--state', state], { cwd: ws.dir });
    const approved = await runCli(command.split(' ').slice(1), { cwd: ws.dir, env: team.approver.env });
    expect(approved.code, approved.printed).toBe(0);
    const done = await run.done;
    expect(done.code, done.printed).toBe(0);

    const succeeded = await inbox.event('/hooks/approved', 'succeeded');
    expect(succeeded.body.stepwise).toMatchObject({ event: 'succeeded', status: 'succeeded', runId });
    expect(succeeded.body.text).toContain(`Runbook release 2.0.0, run ${runId}, succeeded after`);
    expectNoSecret(succeeded);
    expect(inbox.heard.filter((one) => one.path === '/hooks/approved').map((one) => one.body.stepwise.event)).toEqual(['waiting', 'succeeded']);
    for (const form of encodedForms(SECRET)) expect(done.printed).not.toContain(form);
  });

  it('hears a rejection as a failure that names the reason and gives no resume line', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state, env } = setUp('/hooks/rejected');
    const run = startCli(['run', 'release.yaml', '--state', state], { cwd: ws.dir, env });
    const waiting = await inbox.event('/hooks/rejected', 'waiting');
    const runId = String(waiting.body.stepwise.runId);
    await untilListedWaiting(runId, ['--state', state], { cwd: ws.dir });
    const rejected = await runCli(['approve', runId, '--reject', '--reason', 'not during the freeze', '--state', state], { cwd: ws.dir, env: team.approver.env });
    expect(rejected.code, rejected.printed).toBe(0);
    const done = await run.done;
    expect(done.code, done.printed).toBe(3);
    expectNoStackTrace(done.printed);

    const failed = await inbox.event('/hooks/rejected', 'failed');
    expect(failed.body.stepwise).toMatchObject({ event: 'failed', runId, step: 'sign-off' });
    expect(failed.body.stepwise.resume).toBeUndefined();
    expect(failed.body.text).toContain('not during the freeze');
    expect(failed.body.text).toContain(team.approver.arn);
    expect(failed.body.text).not.toMatch(/resume/i);
    expectNoSecret(failed);
  });
});
