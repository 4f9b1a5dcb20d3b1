/**
 * Approvals with the local state folder, between terminals of one machine: without AWS
 * credentials, each person is user@host.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, outputMatching, readJournalLines, runCli, startCli, waitFor, workspace, type Workspace } from '../support/cli.js';
import { startOnTerminal } from '../support/terminal-session.js';
import { untilListedWaiting } from '../support/waiting-run.js';

const ME = `${os.userInfo().username}@${os.hostname()}`;

/** No AWS credentials anywhere, and no instance metadata: the identity is user@host. */
function noAws(ws: Workspace): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: path.join(ws.dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(ws.dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** An operator's interactive shell: no CI flag, no stepwise variables, no AWS credentials. */
function operatorAtTerminal(ws: Workspace): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...noAws(ws) };
  for (const name of Object.keys(env)) {
    if (env[name] === undefined || name.startsWith('STEPWISE_') || ['CI', 'NO_COLOR', 'FORCE_COLOR'].includes(name)) delete env[name];
  }
  return env;
}

function gate(ws: Workspace, approve: string): void {
  ws.write(
    'gate.yaml',
    `apiVersion: stepwise/v1
name: gate
version: 1.0.0
steps:
  - id: gate
    type: approve
    with: ${approve}
  - id: after
    type: shell
    with: { command: [echo, passed], effect: read }
`,
  );
}

describe('approvals with the local state folder', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('a run that waits goes on once another terminal approves; runs lists it waiting, show names who approved', async () => {
    const ws = workspace();
    gate(ws, '{ message: "Go on?" }');
    const run = startCli(['run', 'gate.yaml', '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    const [, runId] = await outputMatching(run, new RegExp(`to approve: stepwise approve (\\S+) --step gate --state-dir ${ws.dir}/state\\n`));
    await untilListedWaiting(runId!, ['--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    expect(run.stdout()).toContain('waiting for 1 approval by anyone who can reach the run\'s state, at most 24h: Go on?');

    const listed = await runCli(['runs', '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    expect(listed.stdout).toMatch(new RegExp(`^${runId}\\s+gate\\s+1\\.0\\.0\\s+waiting\\s`, 'm'));
    const [, since] = new RegExp(`^${runId}\\s+gate\\s+1\\.0\\.0\\s+waiting\\s+[\\d-]+ [\\d:]+\\s+waiting since ([\\d-]+ [\\d:]+)$`, 'm').exec(listed.stdout) ?? [];
    expect(since, `DURATION says since when it waits:\n${listed.stdout}`).toBeDefined();
    const listedJson = (JSON.parse((await runCli(['runs', '--state-dir', 'state', '--json'], { cwd: ws.dir, env: noAws(ws) })).stdout) as { runId: string; waitingSince?: string }[]).find((r) => r.runId === runId);
    const shownJson = JSON.parse((await runCli(['show', runId!, '--state-dir', 'state', '--json'], { cwd: ws.dir })).stdout) as { waitingSince?: string };
    expect(listedJson?.waitingSince, 'runs --json and show --json agree').toBe(shownJson.waitingSince);
    expect(listedJson?.waitingSince?.replace('T', ' ').slice(0, 19)).toBe(since);

    const waiting = await runCli(['show', runId!, '--state-dir', 'state'], { cwd: ws.dir });
    expect(waiting.stdout).toContain(`\nwaiting at step "gate" for 1 approval by anyone who can reach the run's state: Go on?\n  to approve: stepwise approve ${runId} --step gate --state-dir ${ws.dir}/state\n`);
    expect(waiting.stdout, 'a run that waits needs no resume').not.toContain('resume');
    expect(waiting.stdout, 'since when, not how long it ran before').toContain(`run ${runId}: waiting since ${shownJson.waitingSince}\n`);

    const resumed = await runCli(['resume', runId!, '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    expect(resumed.code, resumed.printed).toBe(2);
    expect(resumed.stderr).toContain(`run ${runId} is waiting at step "gate" for 1 approval by anyone who can reach the run's state: Go on?; its process goes on once approved`);
    expect(resumed.stderr).toContain(`\n  to approve: stepwise approve ${runId} --step gate --state-dir ${ws.dir}/state\n`);
    expect(resumed.stderr, 'which process').toMatch(/being driven by process \d+/);
    expectNoStackTrace(resumed.printed);

    // the command exactly as printed, from another terminal in another folder
    const [, printed] = /to approve: stepwise (approve [^\n]+)\n/.exec(run.stdout()) ?? [];
    ws.write('elsewhere/.keep', '');
    const approved = await runCli(printed!.split(' '), { cwd: ws.file('elsewhere'), env: noAws(ws) });
    expect(approved.code, approved.printed).toBe(0);
    expect(approved.stdout).toContain(`approved run ${runId} at step "gate" as ${ME}\napproved: the waiting run goes on\n`);
    const done = await run.done;
    expect(done.code, done.printed).toBe(0);
    expect(done.stdout).toContain(`gate: approved by ${ME}`);

    const shown = await runCli(['show', runId!, '--state-dir', 'state'], { cwd: ws.dir });
    expect(shown.stdout).toMatch(new RegExp(`approvals:\\n  \\S+  gate  approved by ${ME.replace(/[.]/g, '\\.')}\\n`));
    const after = await runCli(['approve', runId!, '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    expect(after.code, after.printed).toBe(2);
    expect(after.stderr).toContain(`run ${runId} is not waiting at an approval (it is succeeded)`);
  });

  it('lists a run as waiting since its approval-waiting event: neither a decision that comes in nor a stop with --no-wait moves it', async () => {
    const ws = workspace();
    gate(ws, '{ message: "Go on?", minApprovals: 2 }');
    const cli = (args: string[]) => runCli([...args, '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    const listedSince = async (runId: string) => {
      const listed = JSON.parse((await cli(['runs', '--json'])).stdout) as { runId: string; status: string; waitingSince?: string }[];
      const shown = JSON.parse((await cli(['show', runId, '--json'])).stdout) as { waitingSince?: string };
      const run = listed.find((r) => r.runId === runId);
      expect(run?.status).toBe('waiting');
      expect(shown.waitingSince, 'runs --json and show --json agree').toBe(run?.waitingSince);
      return run?.waitingSince;
    };
    const waitedAt = (runId: string) => readJournalLines(ws.file('state'), runId).find((entry) => entry.type === 'approval-waiting')?.at;

    const run = startCli(['run', 'gate.yaml', '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    const [, runId] = await outputMatching(run, /to approve: stepwise approve (\S+) --step gate/);
    await untilListedWaiting(runId!, ['--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    expect((await cli(['approve', runId!])).code).toBe(0);
    await waitFor('the waiting run to journal the decision', () => readJournalLines(ws.file('state'), runId!).at(-1)?.type === 'approval-decided');
    expect(await listedSince(runId!)).toBe(waitedAt(runId!));
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(130);

    const stopped = await cli(['run', 'gate.yaml', '--no-wait', '--json']);
    expect(stopped.code, stopped.printed).toBe(3);
    const stoppedId = (JSON.parse(stopped.stdout) as { runId: string }).runId;
    expect(readJournalLines(ws.file('state'), stoppedId).at(-1)?.type).toBe('run-finished');
    expect(await listedSince(stoppedId)).toBe(waitedAt(stoppedId));
  });

  it('refuses the operator\'s own approval, --yes included, and another step; Ctrl-C while waiting is an interruption', async () => {
    const ws = workspace();
    gate(ws, `{ message: "Go on?", approvers: ["${os.userInfo().username}"] }`);
    const yes = await runCli(['run', 'gate.yaml', '--state-dir', 'state', '--yes', '--no-wait'], { cwd: ws.dir, env: noAws(ws) });
    expect(yes.code, '--yes answers only for an operator who may approve').toBe(3);
    expect(yes.stdout).not.toContain('passed');

    const run = startCli(['run', 'gate.yaml', '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    const [, runId] = await outputMatching(run, /to approve: stepwise approve (\S+) --step gate/);
    await untilListedWaiting(runId!, ['--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    const other = await runCli(['approve', runId!, '--step', 'deploy', '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    expect(other.code, other.printed).toBe(2);
    expect(other.stderr).toContain(`run ${runId} waits at step "gate", not "deploy"`);
    const self = await runCli(['approve', runId!, '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    expect(self.code, self.printed).toBe(2);
    expect(self.stderr).toContain(`${ME} runs run ${runId} at step "gate" and may not approve it`);
    expectNoStackTrace(self.printed);

    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code, done.printed).toBe(130);
    expect(done.stderr).toContain(`to resume: stepwise resume ${runId} --state-dir state`);
  });

  it('says why AWS credentials that do not answer leave the identity user@host: in the run, in approve and in its refusal', async () => {
    const ws = workspace();
    gate(ws, '{ message: "Go on?", approvers: ["arn:aws:iam::123456789012:user/alice"] }');
    // credentials that STS cannot confirm: nothing listens on port 1
    const brokenAws = { ...noAws(ws), AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-secret', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' };
    const run = await runCli(['run', 'gate.yaml', '--state-dir', 'state', '--no-wait'], { cwd: ws.dir, env: brokenAws });
    expect(run.code, run.printed).toBe(3);
    expect(run.printed).toMatch(new RegExp(`warning: could not ask AWS who you are \\([^\n]+\\): acting as ${ME.replace(/[.]/g, '\\.')}\n`));
    const [, runId] = /stepwise approve (\S+) --step gate/.exec(run.printed) ?? [];

    const refused = await runCli(['approve', runId!, '--state-dir', 'state'], { cwd: ws.dir, env: brokenAws });
    expect(refused.code, refused.printed).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^stepwise: warning: could not ask AWS who you are \\([^\n]+\\): acting as ${ME.replace(/[.]/g, '\\.')}$`, 'm'));
    expect(refused.stderr).toContain(`${ME} is not an approver of run ${runId} at step "gate"`);
    expect(refused.stderr).toMatch(new RegExp(`you are ${ME.replace(/[.]/g, '\\.')}: user@host, since could not ask AWS who you are \\(`));
    expect(refused.stderr).not.toContain('not-a-secret');
    expectNoStackTrace(refused.printed);

    const withoutAws = await runCli(['approve', runId!, '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    expect(withoutAws.stderr, 'no credentials: nothing to warn of').not.toContain('warning');
    expect(withoutAws.stderr).toContain(`you are ${ME}: user@host: no credentials found for the ARN of the AWS principal`);
  });

  it('says the identity warning once per run: not under each forEach item, nor again under a later approve step; in a log and on a terminal', async () => {
    const ws = workspace();
    ws.write(
      'gates.yaml',
      `apiVersion: stepwise/v1
name: gates
version: 1.0.0
steps:
  - id: each
    type: approve
    forEach: [one, two, three]
    with: { message: "Go on with \${{ item }}?" }
  - id: last
    type: approve
    with: { message: "Finish?" }
`,
    );
    const brokenAws = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-secret', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' };
    const warning = /warning: could not ask AWS who you are/g;
    const logged = await runCli(['run', 'gates.yaml', '--state-dir', 'state', '--yes'], { cwd: ws.dir, env: { ...noAws(ws), ...brokenAws } });
    expect(logged.code, logged.printed).toBe(0);
    expect(logged.printed.match(warning), logged.printed).toHaveLength(1);

    // listr redraws a step's live line: the notes it keeps under a step are what stays on the screen
    const terminal = startOnTerminal([process.execPath, CLI, 'run', 'gates.yaml', '--state-dir', 'state', '--yes'], { cwd: ws.dir, env: { ...operatorAtTerminal(ws), ...brokenAws } });
    const exit = await terminal.exited;
    expect(exit.code, exit.screen).toBe(0);
    expect(exit.screen.match(/ℹ warning: could not ask AWS who you are/g), exit.screen).toHaveLength(1);
  });

  it('says of a run that stopped waiting, once approved, that a resume goes on: approve, show, show --json and the Markdown page', async () => {
    const ws = workspace();
    gate(ws, '{ message: "Go on?" }');
    const cli = (args: string[]) => runCli([...args, '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    const stopped = await cli(['run', 'gate.yaml', '--no-wait', '--json']);
    expect(stopped.code, stopped.printed).toBe(3);
    const document = JSON.parse(stopped.stdout) as { runId: string; status: string; waitingFor: unknown };
    const runId = document.runId;
    const resume = `stepwise resume ${runId} --state-dir state`;
    expect(document, 'a script reads what to do from --json').toMatchObject({
      status: 'waiting',
      waitingFor: { stepId: 'gate', message: 'Go on?', approvers: [], minApprovals: 1, command: `stepwise approve ${runId} --step gate --state-dir ${ws.dir}/state`, resume },
    });
    const before = await cli(['show', runId!]);
    expect(before.stdout).toContain(`\nstopped waiting at step "gate" for 1 approval by anyone who can reach the run's state: Go on?\n  to approve: stepwise approve ${runId} --step gate --state-dir ${ws.dir}/state\n  once approved, to go on: ${resume}\n`);

    const approved = await cli(['approve', runId!]);
    expect(approved.code, approved.printed).toBe(0);
    expect(approved.stdout).toContain(`approved; the run stopped waiting: go on with: ${resume}\n`);
    const shown = await cli(['show', runId!]);
    expect(shown.stdout).toContain(`\napproved at step "gate" by ${ME}; the run stopped waiting: a resume goes on\n  to go on: ${resume}\n`);
    expect(shown.stdout.split('\napprovals:\n')[1], 'no command that would be refused').not.toContain('to approve:');
    const json = JSON.parse((await cli(['show', runId!, '--json'])).stdout) as { waitingFor: Record<string, unknown> };
    expect(json.waitingFor).toMatchObject({ stepId: 'gate', approvedBy: [ME], needed: 0, stopped: true, resume });
    const page = await cli(['show', runId!, '--format', 'markdown']);
    expect(page.stdout).toContain(`Approved at step "gate" by ${ME}; the run stopped waiting: a resume goes on.\n\nTo go on:\n\n\`\`\`\n${resume}\n\`\`\`\n`);
    expect(page.stdout.split('## Approvals')[1]).not.toContain('stepwise approve');
    expect(page.stdout).toMatch(/^\*\*waiting\*\* since \d{4}-\d\d-\d\dT[\d:.]+Z\. Started /m);

    const resumed = await cli(['resume', runId!]);
    expect(resumed.code, resumed.printed).toBe(0);
  });

  it('says of a run that stopped waiting and was rejected that the rejection stands, and its resume stops there', async () => {
    const ws = workspace();
    gate(ws, '{ message: "Go on?" }');
    const cli = (args: string[]) => runCli([...args, '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    const stopped = await cli(['run', 'gate.yaml', '--no-wait']);
    const [, runId] = /to resume once approved: stepwise resume (\S+)/.exec(stopped.stderr) ?? [];
    const rejected = await cli(['approve', runId!, '--reject', '--reason', 'not today']);
    expect(rejected.code, rejected.printed).toBe(0);
    expect(rejected.stdout).toContain('the run stopped waiting; a resume stops at this approval (exit 3)');
    const shown = await cli(['show', runId!]);
    expect(shown.stdout).toContain(`\nrejected at step "gate" by ${ME}: not today; a rejection stands: the run stops there (exit 3), start a new run to ask again\n`);
    expect(shown.stdout.split('\napprovals:\n')[1]).not.toContain('to approve:');
    const json = JSON.parse((await cli(['show', runId!, '--json'])).stdout) as { waitingFor: Record<string, unknown> };
    expect(json.waitingFor).toMatchObject({ rejected: { by: ME, reason: 'not today' }, stopped: true });
    const resumed = await cli(['resume', runId!]);
    expect(resumed.code, resumed.printed).toBe(3);
    expect(resumed.stdout).not.toContain('passed');
  });

  it('names the default state folder in the approve command, so that it works from another folder', async () => {
    const ws = workspace();
    gate(ws, '{ message: "Go on?" }');
    const stopped = await runCli(['run', 'gate.yaml', '--no-wait'], { cwd: ws.dir, env: noAws(ws) });
    expect(stopped.code, stopped.printed).toBe(3);
    const [, printed] = /to approve: stepwise (approve [^\n]+)\n/.exec(stopped.printed) ?? [];
    expect(printed).toMatch(new RegExp(`^approve \\S+ --step gate --state-dir ${ws.dir}/\\.stepwise$`));
    expect(stopped.stderr, 'the operator\'s own resume needs no folder').toMatch(/to resume once approved: stepwise resume \S+\n/);
    ws.write('elsewhere/.keep', '');
    const approved = await runCli(printed!.split(' '), { cwd: ws.file('elsewhere'), env: noAws(ws) });
    expect(approved.code, approved.printed).toBe(0);
  });

  it('goes on through approvals one resume at a time: one given before the run stopped waiting at the next is not asked again', async () => {
    const ws = workspace();
    ws.write('child.yaml', 'apiVersion: stepwise/v1\nname: child\nversion: 1.0.0\nsteps:\n  - id: inner\n    type: approve\n    with: { message: "Inner?" }\n');
    ws.write(
      'two.yaml',
      'apiVersion: stepwise/v1\nname: two\nversion: 1.0.0\nsteps:\n  - id: first\n    type: approve\n    with: { message: "First?" }\n  - id: child\n    type: runbook\n    with: { path: child.yaml }\n',
    );
    const cli = (args: string[]) => runCli([...args, '--state-dir', 'state'], { cwd: ws.dir, env: noAws(ws) });
    const stopped = await cli(['run', 'two.yaml', '--no-wait']);
    expect(stopped.code, stopped.printed).toBe(3);
    const [, runId] = /to resume once approved: stepwise resume (\S+)/.exec(stopped.stderr) ?? [];
    expect((await cli(['approve', runId!, '--step', 'first'])).code).toBe(0);
    const atChild = await cli(['resume', runId!, '--no-wait']);
    expect(atChild.code, atChild.printed).toBe(3);
    expect(atChild.printed).toContain(`to approve: stepwise approve ${runId} --step child/inner --state-dir ${ws.dir}/state`);
    expect((await cli(['approve', runId!, '--step', 'child/inner'])).code).toBe(0);
    const done = await cli(['resume', runId!, '--no-wait']);
    expect(done.code, done.printed).toBe(0);
  });

  it('asks an operator at a terminal who may approve, and records the answer', async () => {
    const ws = workspace();
    gate(ws, '{ message: "Go on?" }');
    const env = operatorAtTerminal(ws);
    const terminal = startOnTerminal([process.execPath, CLI, 'run', 'gate.yaml', '--state-dir', 'state', '--json'], { cwd: ws.dir, env });
    await terminal.waitFor(/Go on\?/, 'the question');
    terminal.type('y\r');
    const exit = await terminal.exited;
    expect(exit.code, exit.screen).toBe(0);
    const [, runId] = /"runId": "(\S+)"/.exec(exit.screen) ?? [];
    const shown = JSON.parse((await runCli(['show', runId!, '--json', '--state-dir', 'state'], { cwd: ws.dir })).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ status: 'succeeded', approvals: [{ stepId: 'gate', by: ME, decision: 'approve' }] });
  });

  it('does not ask an operator at a terminal who may not approve: it waits, saying for whom', async () => {
    const ws = workspace();
    gate(ws, '{ message: "Go on?", approvers: ["someone-else"] }');
    const env = operatorAtTerminal(ws);
    const plan = await runCli(['plan', 'gate.yaml'], { cwd: ws.dir, env: noAws(ws) });
    expect(plan.stdout, 'a dry-run says whom it would wait for').toContain('would wait for 1 approval by someone-else (not the operator), at most 24h: Go on?');
    const terminal = startOnTerminal([process.execPath, CLI, 'run', 'gate.yaml', '--state-dir', 'state'], { cwd: ws.dir, env });
    await terminal.waitFor(/waiting for 1 approval by someone-else/, 'the waiting line');
    await terminal.waitFor(new RegExp(`to approve: stepwise approve \\S+ --step gate --state-dir ${ws.dir}/state`), 'the approve command');
    terminal.type('\x03');
    const exit = await terminal.exited;
    expect(exit.code, exit.screen).toBe(130);
    expect(exit.screen).not.toContain('[y/N]');
  });
});
