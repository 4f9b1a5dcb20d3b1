/**
 * Approvals a team shares through its S3 state: the run waits, watching the state, and
 * `stepwise approve` from another process (acting as another IAM user) decides.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, outputMatching, runCli, startCli, workspace, type StartedCli } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { newPerson, type Person } from '../support/moto-people.js';
import { untilListedWaiting } from '../support/waiting-run.js';
import { newBucket, testS3 } from './support/s3.js';

const moto = useMoto();

function signOff(approve: string): string {
  return `apiVersion: stepwise/v1
name: sign-off
version: 1.0.0
steps:
  - id: change
    type: approve
    with: ${approve}
  - id: after
    type: shell
    with: { command: [echo, changed], effect: read }
    outputs: { said: stdout }
`;
}

/** The `stepwise approve ...` line the waiting run printed, as arguments for the CLI, once the state says it waits. */
async function approveCommandOf(run: StartedCli, state: string, cwd: string): Promise<string[]> {
  const [, line] = await outputMatching(run, /to approve: stepwise (approve [^\n]+)\n/);
  const command = line!.split(' ');
  await untilListedWaiting(command[1]!, ['--state', state], { cwd });
  return command;
}

describeMoto('approvals with the state in S3', () => {
  let s3: S3Client;
  let bucket: string;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  beforeAll(async () => {
    s3 = testS3(moto.url);
    bucket = await newBucket(s3, 'approvals');
    const tag = randomBytes(3).toString('hex');
    alice = await newPerson(moto.url, `alice-${tag}`);
    bob = await newPerson(moto.url, `bob-${tag}`);
    carol = await newPerson(moto.url, `carol-${tag}`);
  });

  function setUp(approve: string) {
    const ws = workspace();
    ws.write('sign-off.yaml', signOff(approve));
    return { ws, state: `s3://${bucket}/${randomBytes(3).toString('hex')}` };
  }

  it('waits at an approval, listed as waiting, until an approver approves from another process; show names who', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state } = setUp(`{ message: "Update the production stack?", approvers: ["${alice.arn}", "arn:aws:iam::*:user/${bob.arn.split('/').at(-1)}"] }`);
    const run = startCli(['run', 'sign-off.yaml', '--state', state], { cwd: ws.dir, env: carol.env });
    const command = await approveCommandOf(run, state, ws.dir);
    expect(run.stdout()).toContain(`waiting for 1 approval by ${alice.arn}, arn:aws:iam::*:user/`);
    const runId = command[1]!;
    expect(command).toEqual(['approve', runId, '--step', 'change', '--state', state]);

    const listed = await runCli(['runs', '--state', state, '--json'], { cwd: ws.dir });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ runId, status: 'waiting' })]);

    const refused = await runCli(command, { cwd: ws.dir, env: carol.env });
    expect(refused.code, refused.printed).toBe(2);
    expect(refused.stderr).toContain(`${carol.arn} is not an approver of run ${runId} at step "change"`);
    expectNoStackTrace(refused.printed);

    const approved = await runCli([...command, '--reason', 'change ticket 42'], { cwd: ws.dir, env: bob.env });
    expect(approved.code, approved.printed).toBe(0);
    expect(approved.stdout).toContain(`approved run ${runId} at step "change" as ${bob.arn}`);

    const done = await run.done;
    expect(done.code, done.printed).toBe(0);
    expect(done.stdout).toContain(`change: approved by ${bob.arn}: change ticket 42`);

    const again = await runCli(command, { cwd: ws.dir, env: alice.env });
    expect(again.code, again.printed).toBe(2);
    expect(again.stderr).toContain(`run ${runId} is not waiting at an approval`);

    const shown = JSON.parse((await runCli(['show', runId, '--json', '--state', state], { cwd: ws.dir })).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ status: 'succeeded', approvals: [{ stepId: 'change', by: bob.arn, decision: 'approve', reason: 'change ticket 42' }] });
    expect(shown.waitingFor).toBeUndefined();
  });

  it('stops at a rejection with exit 3, the reason recorded and shown', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state } = setUp(`{ message: "Delete the old stack?", approvers: ["${alice.arn}", "${bob.arn}"] }`);
    const run = startCli(['run', 'sign-off.yaml', '--state', state], { cwd: ws.dir, env: carol.env });
    const command = await approveCommandOf(run, state, ws.dir);
    const noReason = await runCli([...command, '--reject'], { cwd: ws.dir, env: bob.env });
    expect(noReason.code, noReason.printed).toBe(2);
    expect(noReason.stderr).toContain('--reject needs --reason');

    const rejected = await runCli([...command, '--reject', '--reason', 'not during the freeze'], { cwd: ws.dir, env: bob.env });
    expect(rejected.code, rejected.printed).toBe(0);
    const done = await run.done;
    expect(done.code, done.printed).toBe(3);
    expect(done.stderr).toContain(`rejected by ${bob.arn}: not during the freeze`);
    const stepLines = done.stdout.split('\n').filter((line) => /^ +✖ change\b/.test(line));
    expect(stepLines, 'one line for the rejection: who and why').toEqual([`  ✖ change: rejected by ${bob.arn}: not during the freeze ("Delete the old stack?"); a rejection stands: start a new run to ask again`]);
    expect(done.stdout).not.toContain('✔ after');

    const shown = JSON.parse((await runCli(['show', command[1]!, '--json', '--state', state], { cwd: ws.dir })).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ status: 'declined', approvals: [{ stepId: 'change', by: bob.arn, decision: 'reject', reason: 'not during the freeze' }] });
    const page = await runCli(['show', command[1]!, '--format', 'markdown', '--state', state], { cwd: ws.dir });
    expect(page.stdout).toContain('## Approvals');
    expect(page.stdout).toContain('| `change` | rejected |');
    expect(page.stdout).toContain('not during the freeze');
  });

  it('refuses the operator\'s own approval when approvers are given, and counts two others for minApprovals 2', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state } = setUp(`{ message: "Go?", approvers: ["${alice.arn}", "${bob.arn}", "${carol.arn}"], minApprovals: 2 }`);
    const run = startCli(['run', 'sign-off.yaml', '--state', state], { cwd: ws.dir, env: alice.env });
    const command = await approveCommandOf(run, state, ws.dir);
    expect(run.stdout()).toContain(`(not ${alice.arn}, who runs it)`);

    const self = await runCli(command, { cwd: ws.dir, env: alice.env });
    expect(self.code, self.printed).toBe(2);
    expect(self.stderr).toContain(`${alice.arn} runs run ${command[1]} at step "change" and may not approve it`);

    const first = await runCli(command, { cwd: ws.dir, env: bob.env });
    expect(first.code, first.printed).toBe(0);
    expect(first.stdout).toContain('1 more approval needed (of 2)');
    const twice = await runCli(command, { cwd: ws.dir, env: bob.env });
    expect(twice.code, twice.printed).toBe(2);
    expect(twice.stderr).toContain(`${bob.arn} already decided`);

    await outputMatching(run, new RegExp(`approved by ${bob.arn}`));
    const listed = await runCli(['runs', '--state', state, '--json'], { cwd: ws.dir });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ status: 'waiting' })]);

    expect((await runCli(command, { cwd: ws.dir, env: carol.env })).code).toBe(0);
    const done = await run.done;
    expect(done.code, done.printed).toBe(0);
  });

  it('--no-wait records that the run waits and exits 3; once approved, a resume by someone else goes on', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state } = setUp(`{ message: "Go?", approvers: ["${bob.arn}"] }`);
    const stopped = await runCli(['run', 'sign-off.yaml', '--state', state, '--no-wait'], { cwd: ws.dir, env: alice.env });
    expect(stopped.code, stopped.printed).toBe(3);
    const [, runId] = /to resume once approved: stepwise resume (\S+) --state /.exec(stopped.stderr) ?? [];
    expect(runId, stopped.printed).toBeDefined();
    expect(stopped.printed).toContain(`to approve: stepwise approve ${runId} --step change --state ${state}`);

    const listed = await runCli(['runs', '--state', state, '--json'], { cwd: ws.dir });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ runId, status: 'waiting' })]);
    const early = await runCli(['resume', runId!, '--state', state, '--no-wait'], { cwd: ws.dir, env: alice.env });
    expect(early.code, early.printed).toBe(3);

    expect((await runCli(['approve', runId!, '--state', state], { cwd: ws.dir, env: bob.env })).code).toBe(0);
    const shownBefore = JSON.parse((await runCli(['show', runId!, '--json', '--state', state], { cwd: ws.dir })).stdout) as Record<string, unknown>;
    expect(shownBefore).toMatchObject({ approvals: [{ by: bob.arn, decision: 'approve' }] });

    const resumed = await runCli(['resume', runId!, '--state', state], { cwd: ws.dir, env: carol.env });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(resumed.stdout).toContain(`approved by ${bob.arn}`);
    const shown = JSON.parse((await runCli(['show', runId!, '--json', '--state', state], { cwd: ws.dir })).stdout) as { status: string; approvals: unknown[] };
    expect(shown.status).toBe('succeeded');
    expect(shown.approvals, 'a decision journaled again by the resume is shown once').toHaveLength(1);
  });

  it('stops, resumable, when nobody decides within the timeout', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state } = setUp(`{ message: "Go?", approvers: ["${bob.arn}"], timeout: 1s }`);
    const stopped = await runCli(['run', 'sign-off.yaml', '--state', state], { cwd: ws.dir, env: alice.env });
    expect(stopped.code, stopped.printed).toBe(3);
    expect(stopped.stderr).toContain('no decision within 1s');
    const [, runId] = /to resume once approved: stepwise resume (\S+)/.exec(stopped.stderr) ?? [];
    expect((await runCli(['approve', runId!, '--step', 'change', '--state', state], { cwd: ws.dir, env: bob.env })).code).toBe(0);
    const resumed = await runCli(['resume', runId!, '--state', state], { cwd: ws.dir, env: alice.env });
    expect(resumed.code, resumed.printed).toBe(0);
  });
});
