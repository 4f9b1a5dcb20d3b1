/**
 * The live view an operator sees on a terminal (listr2), through a real pseudo-terminal made
 * by util-linux's `script`, 120 columns wide.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runbookYaml, scratchFolder } from '../support/cli.js';

const SCRIPT = '/usr/bin/script';
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

async function onTerminal(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const command = `stty cols 120; ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`;
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CI' && !name.startsWith('STEPWISE_'))), ...extraEnv };
  const { stdout } = await promisify(execFile)(SCRIPT, ['-qec', command, '/dev/null'], { env }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return stdout.replace(ESCAPES, '').replaceAll('\r', '');
}

describe.skipIf(!existsSync(SCRIPT))('on a terminal', () => {
  let folder: Awaited<ReturnType<typeof scratchFolder>>;
  beforeAll(async () => void (folder = await scratchFolder()));
  afterAll(async () => folder.remove());

  it('shows why each failed step failed, also one that lets the run go on', async () => {
    const file = await folder.write(
      'fails.yaml',
      runbookYaml(
        'fails',
        `steps:
  - id: broken
    type: shell
    onFailure: continue
    with: { command: [sh, -c, 'echo oops >&2; exit 3'], effect: read }
  - id: after
    type: shell
    with: { command: ['false'], effect: read }
`,
      ),
    );
    const screen = await onTerminal(['run', file, '--state-dir', `${folder.dir}/state`]);
    expect(screen).toMatch(/✖ broken\n +› `sh` exited with code 3 \(allowed: 0\): oops/);
    expect(screen).toMatch(/✖ after\n +› `false` exited with code 1 \(allowed: 0\)/);
  });

  it('shows on resume which steps were restored and which were read again', async () => {
    const gate = `${folder.dir}/gate-open`;
    const file = await folder.write(
      'resumed.yaml',
      runbookYaml(
        'resumed',
        `steps:
  - id: change
    type: shell
    with: { command: [touch, '${folder.dir}/changed'] }
  - id: look
    type: shell
    with: { command: [echo, looking], effect: read }
  - id: gate
    type: shell
    with: { command: [test, -e, '${gate}'], effect: read }
`,
      ),
    );
    const stateDir = `${folder.dir}/resume-state`;
    const failed = await onTerminal(['run', file, '--state-dir', stateDir]);
    const runId = /stepwise resume (\S+)/.exec(failed)![1]!;
    await folder.write('gate-open', '');
    const screen = await onTerminal(['resume', runId, '--state-dir', stateDir]);
    expect(screen).toMatch(/✔ change( \([^)]+\))? — done in an earlier attempt/);
    expect(screen).toMatch(/✔ look( \([^)]+\))? — read again/);
    expect(screen).toMatch(/✔ gate( \([^)]+\))?\n/);
  });

  it('keeps under each step of a plan what it would do, for each item, and whom an approval would wait for', async () => {
    const file = await folder.write(
      'planned.yaml',
      runbookYaml(
        'planned',
        `params:
  token: { type: string, secret: true }
steps:
  - id: create
    type: shell
    with: { command: [touch, '${folder.dir}/created-with-\${{ params.token }}'] }
  - id: each
    type: shell
    forEach: [one, two]
    with: { command: [touch, '${folder.dir}/\${{ item }}'] }
  - id: after
    type: shell
    with: { command: [echo, '\${{ steps.create.outputs.stdout }}'] }
  - id: sign-off
    type: approve
    with: { message: "Go on?", approvers: [someone-else] }
`,
      ),
    );
    const screen = await onTerminal(['plan', file], { STEPWISE_PARAM_TOKEN: 'tok-on-terminal-42' });
    expect(screen).toMatch(new RegExp(`✔ create( \\([^)]+\\))? — would change\n {4}→ touch ${folder.dir}/created-with-\\*\\*\\*\n {6}cwd: `));
    expect(screen).toMatch(/— would change\n {4}→ item 0: touch \S+\/one\n[^]*\n {4}→ item 1: touch \S+\/two\n/);
    expect(screen).toMatch(/✔ after( \([^)]+\))? — depends on an earlier change\n {4}⋯ depends on create\n/);
    expect(screen).toMatch(/✔ sign-off( \([^)]+\))? — needs a decision\n {4}→ would wait for 1 approval by someone-else \(not the operator\), at most 24h: Go on\?\n/);
    expect(screen).not.toContain('tok-on-terminal-42');
  });
});
