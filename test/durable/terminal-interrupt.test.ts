/**
 * Ctrl-C, Ctrl-\ and a hang-up where they happen: on a real terminal, with the live (listr2)
 * view, keys typed through the terminal rather than signals sent by the test.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startOnTerminal, type TerminalSession } from '../support/terminal-session.js';
import { CLI, CLI_TESTS_TIMEOUT_MS, onlyRunId, processIsGone, readJournalLines, runCli, runFolder, startCli, waitFor, workspace, type Workspace } from '../support/cli.js';

const CTRL_C = '\x03';
const CTRL_BACKSLASH = '\x1c';

/** An operator's interactive shell: a terminal, no CI flag, no stepwise variables. */
function terminalEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('STEPWISE_') || ['CI', 'NO_COLOR', 'FORCE_COLOR'].includes(name)) continue;
    env[name] = value;
  }
  return { ...env, TERM: 'xterm-256color' };
}

function onTerminal(ws: Workspace, args: readonly string[]): TerminalSession {
  return startOnTerminal([process.execPath, CLI, ...args], { cwd: ws.dir, env: terminalEnvironment() });
}

/**
 * `nap` writes its shell's pid (the leader of the step's process group) and its child's, then
 * waits; the second time it runs it finishes at once. `deaf` makes it ignore SIGTERM, so that
 * stopping it takes the engine's whole grace period. What it would write after its wait shows
 * whether it outlived stepwise.
 */
function napRunbook(ws: Workspace, deaf = false): string {
  ws.write(
    'nap.sh',
    `if [ -e napped-before ]; then echo "nap skipped"; exit 0; fi
: > napped-before
${deaf ? "trap '' TERM" : ''}
sleep 30 &
echo $! > child.pid
echo $$ > step.pid
echo "napping as $$"
wait
echo late > late.txt
`,
  );
  return ws.write(
    'nap.yaml',
    `apiVersion: stepwise/v1
name: nap
version: 1.0.0
steps:
  - id: nap
    type: shell
    with: { command: [sh, nap.sh], effect: read }
  - id: after
    type: shell
    with: { command: [echo, after the nap], effect: read }
`,
  );
}

function pidIn(ws: Workspace, name: string): number {
  return Number(readFileSync(ws.file(name), 'utf8').trim());
}

/** Starts the run on a terminal and waits until the step shows it is napping. */
async function napping(ws: Workspace, runbook: string) {
  const session = onTerminal(ws, ['run', runbook, '--state-dir', ws.stateDir]);
  onTestFinished(async () => {
    session.hangUp();
    await session.exited.catch(() => undefined);
  });
  await session.waitFor(/napping as \d+/, 'the nap step running');
  const step = pidIn(ws, 'step.pid');
  const child = pidIn(ws, 'child.pid');
  onTestFinished(() => {
    try {
      process.kill(-step, 'SIGKILL');
    } catch {
      return;
    }
  });
  return { session, step, child };
}

async function expectStepGone(ws: Workspace, step: number, child: number): Promise<void> {
  await waitFor('the step\'s shell to be gone', () => processIsGone(step), 10_000);
  await waitFor('the step\'s child to be gone', () => processIsGone(child), 10_000);
  expect(existsSync(ws.file('late.txt')), 'the step went on after stepwise stopped').toBe(false);
}

function expectRecordedInterrupted(ws: Workspace, runId: string): void {
  const journal = readJournalLines(ws.stateDir, runId);
  expect(journal.find((line) => line.type === 'step-failed')).toMatchObject({ stepId: 'nap', error: { code: 'interrupted' } });
  expect(journal.at(-1)).toMatchObject({ type: 'run-finished', status: 'interrupted' });
  expect(existsSync(path.join(runFolder(ws.stateDir, runId), 'lock')), 'the run\'s lock is still held').toBe(false);
}

/** What every interruption must leave: the step's processes gone, the run recorded, and a resume that finishes it. */
async function expectStoppedAndResumable(ws: Workspace, runId: string, step: number, child: number): Promise<void> {
  await expectStepGone(ws, step, child);
  expectRecordedInterrupted(ws, runId);
  await expectResumeCompletes(ws, runId);
}

async function expectResumeCompletes(ws: Workspace, runId: string): Promise<void> {
  const resumed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir });
  expect(resumed.code, resumed.printed).toBe(0);
  expect(resumed.printed).toContain('after the nap');
}

describe('on a terminal (live view)', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('Ctrl-C stops the step and its process group, records the interruption, prints the resume command and exits 130', async () => {
    const ws = workspace();
    const { session, step, child } = await napping(ws, napRunbook(ws));

    session.type(CTRL_C);
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(130);
    const runId = onlyRunId(ws.stateDir);
    expect(exit.screen).toContain(`stepwise: to resume: stepwise resume ${runId} --state-dir ${ws.stateDir}`);
    expect(exit.screen).not.toContain('after the nap');
    await expectStoppedAndResumable(ws, runId, step, child);
  });

  it('a second Ctrl-C exits at once while the step is still stopping, killing its group; the run stays recorded', async () => {
    const ws = workspace();
    const { session, step, child } = await napping(ws, napRunbook(ws, true));

    session.type(CTRL_C);
    await session.waitFor(/stopping the step in flight/, 'the first Ctrl-C taken');
    expect(processIsGone(step), 'the step ignores SIGTERM, so it is still running').toBe(false);
    session.type(CTRL_C);
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(130);
    expect(exit.screen).toContain('exiting now');
    await expectStoppedAndResumable(ws, onlyRunId(ws.stateDir), step, child);
  });

  it('records the stop, releases the lock and prints the resume command only once the step\'s group is gone, so a resume cannot run it twice', async () => {
    const ws = workspace();
    const { session, step, child } = await napping(ws, napRunbook(ws, true));

    session.type(CTRL_C);
    await session.waitFor(/stopping the step in flight/, 'the first Ctrl-C taken');
    const runId = onlyRunId(ws.stateDir);
    // read in this order: while the step still runs, what came before cannot be the end of the run
    const screenWhileStopping = session.screen();
    const lockedWhileStopping = existsSync(path.join(runFolder(ws.stateDir, runId), 'lock'));
    expect(processIsGone(step), 'the step ignores SIGTERM, so it runs until its SIGKILL').toBe(false);
    expect(screenWhileStopping).not.toContain('to resume');
    expect(lockedWhileStopping, 'the lock was released while the step still ran').toBe(true);
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(130);
    expect(exit.screen).toContain('to resume: stepwise resume');
    await expectStoppedAndResumable(ws, runId, step, child);
  });

  it('Ctrl-\\ (SIGQUIT) is an interruption: the step is stopped, the run recorded, exit 131', async () => {
    const ws = workspace();
    const { session, step, child } = await napping(ws, napRunbook(ws));

    session.type(CTRL_BACKSLASH);
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(131);
    const runId = onlyRunId(ws.stateDir);
    expect(exit.screen).toContain(`stepwise resume ${runId}`);
    await expectStoppedAndResumable(ws, runId, step, child);
  });

  it('a hang-up (the terminal closes, SIGHUP) stops the step, records the run, releases the lock and exits 129', async () => {
    const ws = workspace();
    const { session, step, child } = await napping(ws, napRunbook(ws));

    session.hangUp();
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(129);
    await expectStoppedAndResumable(ws, onlyRunId(ws.stateDir), step, child);
  });
});

describe('Ctrl-C at a question on a terminal', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('at an approval: the run is interrupted, recorded, exit 130 with the resume command, and resumes', async () => {
    const ws = workspace();
    const runbook = ws.write(
      'approval.yaml',
      `apiVersion: stepwise/v1
name: approval
version: 1.0.0
steps:
  - id: first
    type: shell
    with: { command: [echo, first], effect: read }
  - id: go
    type: approve
    with: { message: Restart the workers now? }
  - id: after
    type: shell
    with: { command: [echo, after the nap], effect: read }
`,
    );
    const session = onTerminal(ws, ['run', runbook, '--state-dir', ws.stateDir]);
    await session.waitFor(/Restart the workers now\?/, 'the approval');

    session.type(CTRL_C);
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(130);
    expect(exit.screen).not.toContain('force closed');
    const runId = onlyRunId(ws.stateDir);
    expect(exit.screen).toContain(`stepwise: to resume: stepwise resume ${runId} --state-dir ${ws.stateDir}`);
    const journal = readJournalLines(ws.stateDir, runId);
    expect(journal.find((line) => line.type === 'step-failed')).toMatchObject({ stepId: 'go', error: { code: 'interrupted' } });
    expect(journal.at(-1)).toMatchObject({ type: 'run-finished', status: 'interrupted' });

    const resumed = await runCli(['resume', runId, '--yes', '--state-dir', ws.stateDir], { cwd: ws.dir });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(resumed.printed).toContain('after the nap');
  });

  it('a hang-up while an approval is asked withdraws the question: the run is recorded interrupted, exit 129', async () => {
    const ws = workspace();
    const runbook = ws.write(
      'approval.yaml',
      `apiVersion: stepwise/v1
name: approval
version: 1.0.0
steps:
  - id: go
    type: approve
    with: { message: Restart the workers now? }
`,
    );
    const session = onTerminal(ws, ['run', runbook, '--state-dir', ws.stateDir]);
    await session.waitFor(/Restart the workers now\?/, 'the approval');

    session.hangUp();
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(129);
    const runId = onlyRunId(ws.stateDir);
    expect(readJournalLines(ws.stateDir, runId).at(-1)).toMatchObject({ type: 'run-finished', status: 'interrupted' });
    expect(existsSync(path.join(runFolder(ws.stateDir, runId), 'lock')), 'the run\'s lock is still held').toBe(false);
  });

  it('at the question whether to run again a write step that was in flight: exit 130, the run as it was', async () => {
    const ws = workspace();
    ws.write('write-nap.sh', 'echo $$ > step.pid\nexec sleep 30\n');
    const runbook = ws.write(
      'write.yaml',
      `apiVersion: stepwise/v1
name: write
version: 1.0.0
steps:
  - id: change
    type: shell
    with: { command: [sh, write-nap.sh] }
`,
    );
    const first = startCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir });
    await waitFor('the write step to start', () => existsSync(ws.file('step.pid')) && readFileSync(ws.file('step.pid'), 'utf8').endsWith('\n'));
    first.child.kill('SIGINT');
    expect((await first.done).code).toBe(130);
    const runId = onlyRunId(ws.stateDir);
    const journalBefore = readJournalLines(ws.stateDir, runId);

    const session = onTerminal(ws, ['resume', runId, '--state-dir', ws.stateDir]);
    await session.waitFor(/may already have made its change; run it again\?/, 'the question');
    session.type(CTRL_C);
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(130);
    expect(exit.screen).not.toContain('internal error');
    expect(exit.screen).toContain(`stepwise: interrupted at the question; run ${runId} is as it was`);
    expect(exit.screen).toContain(`to resume: stepwise resume ${runId} --state-dir ${ws.stateDir}`);
    expect(readJournalLines(ws.stateDir, runId)).toEqual(journalBefore);
  });

  it('at the secret parameter a resume asks for: exit 130, the run as it was, the resume command printed', async () => {
    const ws = workspace();
    const runbook = ws.write(
      'secret.yaml',
      `apiVersion: stepwise/v1
name: secret
version: 1.0.0
params:
  apiKey: { type: string, secret: true }
steps:
  - id: once
    type: shell
    with: { command: [sh, -c, 'if [ -e failed-once ]; then echo after the nap; else : > failed-once; exit 1; fi'], effect: read }
`,
    );
    const failed = await runCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir, env: { STEPWISE_PARAM_APIKEY: 'k-123' } });
    expect(failed.code, failed.printed).toBe(1);
    const runId = onlyRunId(ws.stateDir);
    const journalBefore = readJournalLines(ws.stateDir, runId);

    const session = onTerminal(ws, ['resume', runId, '--state-dir', ws.stateDir]);
    await session.waitFor(/secret parameter apiKey/, 'the question for the secret');
    session.type(CTRL_C);
    const exit = await session.exited;

    expect(exit.code, exit.screen).toBe(130);
    expect(exit.screen).not.toContain('internal error');
    expect(exit.screen).toContain(`stepwise: interrupted at the question; run ${runId} is as it was`);
    expect(exit.screen).toContain(`to resume: stepwise resume ${runId} --state-dir ${ws.stateDir}`);
    expect(readJournalLines(ws.stateDir, runId)).toEqual(journalBefore);
    expect(existsSync(path.join(runFolder(ws.stateDir, runId), 'lock')), 'the run\'s lock is still held').toBe(false);

    const resumed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env: { STEPWISE_PARAM_APIKEY: 'k-123' } });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(resumed.printed).toContain('after the nap');
  });
});
