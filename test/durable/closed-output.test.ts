/**
 * A reader that goes away (`stepwise schema | head -1`, `stepwise run X | head -1`): what is
 * left to print is dropped, quietly; a run goes on to its end and is recorded as usual.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI, CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, readJournalLines, runCli, workspace, type Workspace } from '../support/cli.js';

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI with stdout and stderr on pipes. `closeStdout` says when the reader of stdout
 * goes away: at once, before the CLI wrote anything, or once a line matching the pattern came
 * (then `afterClose` runs). `closeStderr` closes stderr's reader at once.
 */
function withReaderGone(args: readonly string[], ws: Workspace, how: { closeStdout?: 'at-once' | RegExp; afterClose?: () => void; closeStderr?: boolean }): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1' };
  for (const name of Object.keys(env)) if (name.startsWith('STEPWISE_')) delete env[name];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ws.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  if (how.closeStdout === 'at-once') child.stdout.destroy();
  else {
    const until = how.closeStdout;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (until && until.test(stdout)) {
        child.stdout.destroy();
        how.afterClose?.();
      }
    });
  }
  if (how.closeStderr) child.stderr.destroy();
  else child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function runbooks(ws: Workspace) {
  const plain = ws.write(
    'plain.yaml',
    `apiVersion: stepwise/v1
name: plain
version: 1.0.0
steps:
  - id: one
    type: shell
    with: { command: [echo, one], effect: read }
  - id: two
    type: set
    with: { values: { two: 2 } }
`,
  );
  // `gate` waits (polling) until the test has closed the reader, so that every later line is written to a closed pipe.
  const gated = ws.write(
    'gated.yaml',
    `apiVersion: stepwise/v1
name: gated
version: 1.0.0
steps:
  - id: gate
    type: shell
    with: { command: [sh, -c, 'while [ ! -e reader-gone ]; do sleep 0.02; done'], effect: read }
  - id: after
    type: shell
    with: { command: [sh, -c, 'echo after >> after.log'], effect: read }
  - id: last
    type: set
    with: { values: { last: done } }
`,
  );
  return { plain, gated };
}

describe('a reader that goes away', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('ends the output of schema, steps, validate, plan, runs and show quietly, with their usual exit code', async () => {
    const ws = workspace();
    const { plain } = runbooks(ws);
    const recorded = await runCli(['run', plain, '--state-dir', ws.stateDir], { cwd: ws.dir });
    expect(recorded.code, recorded.printed).toBe(0);
    const runId = onlyRunId(ws.stateDir);

    const commands = [['schema'], ['steps'], ['steps', 'shell'], ['validate', plain], ['plan', plain], ['runs', '--state-dir', ws.stateDir], ['show', runId, '--state-dir', ws.stateDir], ['show', runId, '--json', '--state-dir', ws.stateDir]];
    for (const args of commands) {
      const outcome = await withReaderGone(args, ws, { closeStdout: 'at-once' });
      expect({ args, code: outcome.code, signal: outcome.signal, stderr: outcome.stderr }).toEqual({ args, code: 0, signal: null, stderr: '' });
    }
  });

  it('a run whose reader went away goes on to its end, is recorded as usual and exits with its result', async () => {
    const ws = workspace();
    const { gated } = runbooks(ws);
    const outcome = await withReaderGone(['run', gated, '--state-dir', ws.stateDir], ws, {
      closeStdout: /gated 1\.0\.0/,
      afterClose: () => writeFileSync(ws.file('reader-gone'), ''),
    });

    expectNoStackTrace(outcome.stderr);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(ws.read('after.log')).toBe('after\n');
    const journal = readJournalLines(ws.stateDir, onlyRunId(ws.stateDir));
    expect(journal.at(-1)).toMatchObject({ type: 'run-finished', status: 'succeeded' });
  });

  it('a run whose stderr reader went away goes on to its end and exits with its result', async () => {
    const ws = workspace();
    const failing = ws.write(
      'failing.yaml',
      `apiVersion: stepwise/v1
name: failing
version: 1.0.0
steps:
  - id: fails
    type: shell
    with: { command: ['false'], effect: read }
`,
    );
    const outcome = await withReaderGone(['run', failing, '--state-dir', ws.stateDir], ws, { closeStdout: 'at-once', closeStderr: true });

    expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 1, signal: null });
    const journal = readJournalLines(ws.stateDir, onlyRunId(ws.stateDir));
    expect(journal.at(-1)).toMatchObject({ type: 'run-finished', status: 'failed' });
  });
});
