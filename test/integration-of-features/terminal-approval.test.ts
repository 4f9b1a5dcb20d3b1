/**
 * What an operator sees on a real pseudo-terminal when a run waits for someone else's approval
 * (AWS identities in moto, the state in S3): the waiting line and the approve command, then,
 * once a second process approves, the approval and the end. Another run is stopped with Ctrl-C
 * while it waits, and `show` then gives the resume line.
 */
import { expect, it } from 'vitest';
import { CLI, CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, runCli, workspace } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { useTeam } from '../support/moto-team.js';
import { startOnTerminal } from '../support/terminal-session.js';
import { untilListedWaiting } from '../support/waiting-run.js';

const moto = useMoto();

describeMoto('a run waiting for another person\'s approval, on the operator\'s terminal', () => {
  const team = useTeam(moto, 'terminal');

  function setUp() {
    const ws = workspace();
    ws.write(
      'release.yaml',
      `apiVersion: stepwise/v1
name: release
version: 1.0.0
steps:
  - id: sign-off
    type: approve
    with: { message: "Release 1.4 to production?", approvers: ["${team.approver.arn}"] }
  - id: release
    type: shell
    with: { command: [echo, released], effect: read }
`,
    );
    const state = team.newState();
    // an operator's shell: no CI flag, no stepwise variables; the moto endpoint, as the operator
    const env: NodeJS.ProcessEnv = { ...process.env, ...team.operator.env, TERM: 'xterm-256color' };
    for (const name of Object.keys(env)) if (name.startsWith('STEPWISE_') || ['CI', 'NO_COLOR', 'FORCE_COLOR'].includes(name)) delete env[name];
    return { ws, state, env };
  }

  it('shows the wait and the approve command, is not asked, and goes on once a second process approves', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state, env } = setUp();
    const terminal = startOnTerminal([process.execPath, CLI, 'run', 'release.yaml', '--state', state], { cwd: ws.dir, env, cols: 250 });
    await terminal.waitFor(new RegExp(`waiting for 1 approval by ${team.approver.arn} \\(not ${team.operator.arn}, who runs it\\), at most 24h: Release 1\\.4 to production\\?`), 'the waiting line');
    const [, runId] = await terminal.waitFor(/to approve: stepwise approve (\S+) --step sign-off --state s3:\/\/\S+/, 'the approve command');
    await untilListedWaiting(runId!, ['--state', state], { cwd: ws.dir });
    const shown = await runCli(['show', runId!, '--state', state], { cwd: ws.dir });
    expect(shown.stdout).toContain(`waiting at step "sign-off" for 1 approval by ${team.approver.arn}: Release 1.4 to production?\n  to approve: stepwise approve ${runId} --step sign-off --state ${state}\n`);

    const approved = await runCli(['approve', runId!, '--state', state, '--reason', 'CHG-7'], { cwd: ws.dir, env: team.approver.env });
    expect(approved.code, approved.printed).toBe(0);
    expect(approved.stdout).toContain('approved: the waiting run goes on');
    const exit = await terminal.exited;
    expect(exit.code, exit.screen).toBe(0);
    expect(exit.screen).toContain(`approved by ${team.approver.arn}: CHG-7`);
    expect(exit.screen).toMatch(/✔ release/);
    expect(exit.screen).not.toContain('(y/N)');
    expectNoStackTrace(exit.screen);
  });

  it('a rejection is one line under the step: who rejected and why', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state, env } = setUp();
    const terminal = startOnTerminal([process.execPath, CLI, 'run', 'release.yaml', '--state', state], { cwd: ws.dir, env, cols: 250 });
    const [, runId] = await terminal.waitFor(/to approve: stepwise approve (\S+) --step sign-off/, 'the approve command');
    await untilListedWaiting(runId!, ['--state', state], { cwd: ws.dir });
    const rejected = await runCli(['approve', runId!, '--state', state, '--reject', '--reason', 'freeze until Monday'], { cwd: ws.dir, env: team.approver.env });
    expect(rejected.code, rejected.printed).toBe(0);
    const exit = await terminal.exited;
    expect(exit.code, exit.screen).toBe(3);
    // the live view redraws its lines: each distinct line once
    const progress = [...new Set(exit.screen.split('\n').filter((line) => line.includes('rejected by') && !line.startsWith('stepwise:')))];
    expect(progress, exit.screen).toHaveLength(1);
    expect(progress[0]).toContain(`rejected by ${team.approver.arn}: freeze until Monday`);
    expectNoStackTrace(exit.screen);
  });

  it('plan --out, then apply on the terminal: the plan says whose decision it needs, the apply waits for it and goes on once given', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state, env } = setUp();
    const plan = startOnTerminal([process.execPath, CLI, 'plan', 'release.yaml', '--out', 'plan.json'], { cwd: ws.dir, env, cols: 250 });
    const planned = await plan.exited;
    expect(planned.code, planned.screen).toBe(0);
    expect(planned.screen).toMatch(new RegExp(`sign-off \\([^)]+\\) — needs a decision\n +→ would wait for 1 approval by ${team.approver.arn} \\(not the operator\\), at most 24h: Release 1\\.4 to production\\?`));

    const terminal = startOnTerminal([process.execPath, CLI, 'apply', 'plan.json', '--state', state], { cwd: ws.dir, env, cols: 250 });
    const [, runId] = await terminal.waitFor(/to approve: stepwise approve (\S+) --step sign-off/, 'the approve command');
    await untilListedWaiting(runId!, ['--state', state], { cwd: ws.dir });
    expect((await runCli(['approve', runId!, '--state', state], { cwd: ws.dir, env: team.approver.env })).code).toBe(0);
    const exit = await terminal.exited;
    expect(exit.code, exit.screen).toBe(0);
    expect(exit.screen).toContain(`approved by ${team.approver.arn}`);
    const shown = JSON.parse((await runCli(['show', runId!, '--json', '--state', state], { cwd: ws.dir })).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ status: 'succeeded', plan: { path: ws.file('plan.json') }, approvals: [{ by: team.approver.arn, decision: 'approve' }] });
  });

  it('Ctrl-C while it waits: exit 130 and the resume line; once approved, show gives that line and the resume goes on', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const { ws, state, env } = setUp();
    const terminal = startOnTerminal([process.execPath, CLI, 'run', 'release.yaml', '--state', state], { cwd: ws.dir, env, cols: 250 });
    const [, runId] = await terminal.waitFor(/to approve: stepwise approve (\S+) --step sign-off/, 'the approve command');
    await untilListedWaiting(runId!, ['--state', state], { cwd: ws.dir });
    terminal.type('\x03');
    const exit = await terminal.exited;
    expect(exit.code, exit.screen).toBe(130);
    const resume = `stepwise resume ${runId} --state ${state}`;
    expect(exit.screen).toContain(`to resume: ${resume}`);

    const approved = await runCli(['approve', runId!, '--state', state], { cwd: ws.dir, env: team.approver.env });
    expect(approved.stdout).toContain(`approved; the run stopped waiting: go on with: ${resume}`);
    const shown = await runCli(['show', runId!, '--state', state], { cwd: ws.dir });
    expect(shown.stdout).toContain(`approved at step "sign-off" by ${team.approver.arn}; the run stopped waiting: a resume goes on\n  to go on: ${resume}\n`);
    const resumed = await runCli(resume.split(' ').slice(1), { cwd: ws.dir, env: team.operator.env });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(resumed.stdout).toContain('released');
  });
});
