import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, CLI, deadPid, expectNoStackTrace, onlyRunId, readJournalLines, runCli, runFolder, startCli, waitFor, workspace, type CliResult } from '../support/cli.js';
import { EFFECT_SCRIPT, effectStep, readEffects } from './support/effects.js';
import { failedGatedRun, WAIT_SCRIPT } from './support/gated.js';

const HOLDER = /being driven by process (\d+) on (\S+) since (\S+);/;

describe('the run lock', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('lets exactly one of two simultaneous resumes proceed; the other names the holder', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    writeFileSync(ws.file('allow'), '');
    const resumes = [0, 1].map(() => startCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env }));
    const loser = await Promise.race(resumes.map((cli) => cli.done.then((result) => ({ cli, result }))));
    const winner = resumes.find((cli) => cli !== loser.cli)!;
    writeFileSync(ws.file('go'), '');
    const won = await winner.done;

    expect(won.code, won.printed).toBe(0);
    expect(loser.result.code, loser.result.printed).toBe(2);
    expectNoStackTrace(loser.result.printed);
    const [, pid, host, since] = HOLDER.exec(loser.result.stderr) ?? [];
    expect(Number(pid), loser.result.stderr).toBe(winner.child.pid);
    expect(host).toBe(os.hostname());
    expect(Math.abs(Date.now() - Date.parse(since!))).toBeLessThan(60_000);
    expect(readEffects(env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one', 'last']);
    expect(existsSync(path.join(runFolder(ws.stateDir, runId), 'lock')), 'the winner released the lock').toBe(false);
  });

  it('takes over the lock of a dead process on this host, and says so', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    writeFileSync(ws.file('allow'), '');
    writeFileSync(ws.file('go'), '');
    const pid = await deadPid();
    const since = '2026-01-02T03:04:05.000Z';
    writeFileSync(path.join(runFolder(ws.stateDir, runId), 'lock'), JSON.stringify({ pid, host: os.hostname(), since }));

    const resumed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expect(resumed.code, resumed.printed).toBe(0);
    expect(resumed.stderr).toContain(`took over the lock of process ${pid} (no longer running on ${os.hostname()}, held since ${since})`);
  });

  it('is not blocked by the takeover marker of a resume that was killed while taking over a dead lock', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    writeFileSync(ws.file('allow'), '');
    writeFileSync(ws.file('go'), '');
    const lockFile = path.join(runFolder(ws.stateDir, runId), 'lock');
    const pid = await deadPid();
    writeFileSync(lockFile, JSON.stringify({ pid, host: os.hostname(), since: '2026-01-02T03:04:05.000Z' }));
    // What a taker leaves when it is killed between creating its marker and removing it.
    writeFileSync(`${lockFile}.takeover`, '');

    const resumed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expect(resumed.stderr, 'a dead process is not driving the run').not.toContain(`being driven by process ${pid}`);
    expect(resumed.code, resumed.printed).toBe(0);
  });

  it('never takes over a lock held from another host, whose process it cannot see', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    const lockFile = path.join(runFolder(ws.stateDir, runId), 'lock');
    const lock = JSON.stringify({ pid: await deadPid(), host: 'another-host.example', since: '2026-01-02T03:04:05.000Z' });
    writeFileSync(lockFile, lock);

    const resumed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(HOLDER);
    expect(resumed.stderr).toContain('on another-host.example since 2026-01-02T03:04:05.000Z');
    expectNoStackTrace(resumed.printed);
    expect(readFileSync(lockFile, 'utf8')).toBe(lock);
  });

  /**
   * An operator's resume asks whether to run the in-flight step again; while the question
   * waits, a colleague resumes with --yes. Whatever happens next, nothing may run twice: a
   * resume must not act on a journal it read before it held the lock.
   */
  it.skipIf(!existsSync('/usr/bin/script'))('does not let a resume act on a journal read before it held the lock', async () => {
    const ws = workspace();
    ws.write('effect.sh', EFFECT_SCRIPT);
    ws.write('wait-for.sh', WAIT_SCRIPT);
    const runbook = ws.write(
      'asks.yaml',
      `apiVersion: stepwise/v1
name: asks
version: 1.0.0
steps:
${effectStep('one', '0')}  - id: two
    type: shell
    with: { command: [sh, -c, "sh effect.sh two 0 && sh wait-for.sh ready"] }
${effectStep('three', '0')}`,
    );
    const effectsFile = ws.file('effects.log');
    const run = startCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir, env: { EFFECTS_FILE: effectsFile, ATTEMPT: '1' } });
    await waitFor('step two to make its effect', () => readEffects(effectsFile).some((effect) => effect.label === 'two'));
    run.child.kill('SIGKILL');
    await run.done;
    writeFileSync(ws.file('ready'), '');
    const runId = onlyRunId(ws.stateDir);

    const asking = onTerminal(['resume', runId, '--state-dir', ws.stateDir], ws.dir, { EFFECTS_FILE: effectsFile, ATTEMPT: '2' });
    await waitFor('the question whether to run step two again', () => asking.output().includes('run it again?'));
    const colleague = await runCli(['resume', runId, '--yes', '--state-dir', ws.stateDir], { cwd: ws.dir, env: { EFFECTS_FILE: effectsFile, ATTEMPT: '3' } });
    asking.answer('y\r');
    const answered = await asking.done;

    expect([answered.code, colleague.code].sort(), `asking:\n${answered.printed}\ncolleague:\n${colleague.printed}`).toEqual([0, 2]);
    const effects = readEffects(effectsFile).map((effect) => `${effect.label}@${effect.attempt}`);
    expect(effects.filter((effect) => !effect.startsWith('two@')), 'one ran once, three once').toEqual(['one@1', expect.stringMatching(/^three@[23]$/)]);
    expect(effects.filter((effect) => effect.startsWith('two@'))).toHaveLength(2);
    const journal = readJournalLines(ws.stateDir, runId);
    expect(journal.map((line) => line.seq)).toEqual(journal.map((_, index) => index + 1));
  });
});

/** The CLI on a pseudo-terminal (through util-linux `script`), so that it asks its questions. */
function onTerminal(args: readonly string[], cwd: string, env: Record<string, string>) {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...process.env, CI: '1', NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let printed = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: printed, stderr: '', printed }));
  });
  return { output: () => printed, answer: (keys: string) => child.stdin.write(keys), done };
}
