/**
 * A secret param nobody gave: on a terminal, `run` asks for it without echo, so that it never
 * has to be on a command line; without one, it says how to give it. Through a real
 * pseudo-terminal made by util-linux's `script`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { CLI, runCli, runbookYaml, scratchFolder } from '../support/cli.js';
import { startOnTerminal } from '../support/terminal-session.js';
import { answeredScreen, haveScript } from './support/terminal.js';

const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;
const TOKEN = 'abcdefghijklmnopqrstuvwxyz';

describe.skipIf(!haveScript)('a missing secret param', () => {
  let folder: Awaited<ReturnType<typeof scratchFolder>>;
  let file: string;
  beforeAll(async () => {
    folder = await scratchFolder();
    file = await folder.write(
      'secret.yaml',
      runbookYaml(
        'secret',
        `params:
  token: { type: string, secret: true, minLength: 20, description: the API token }
steps:
  - id: use
    type: shell
    with:
      command: [sh, -c, 'test "$TOKEN" = ${TOKEN}']
      env: { TOKEN: "\${{ params.token }}" }
      effect: read
`,
      ),
    );
  });
  afterAll(async () => folder.remove());

  it.each([
    ['a terminal', 'xterm-256color'],
    ['a dumb terminal', 'dumb'],
  ])('is asked for on %s, never shown, and the typed value reaches the step', async (_, term) => {
    const question = 'secret parameter token (the API token), never stored:';
    const raw = await answeredScreen(['run', file, '--state-dir', `${folder.dir}/state`], { TERM: term }, [[question, `${TOKEN}\r`]]);
    const screen = raw.replace(ESCAPES, '');
    expect(screen).toContain(question);
    expect(screen).not.toContain(TOKEN);
    expect(screen).toMatch(/✔ use/);
    expect(screen).toMatch(/✔ succeeded/);
    if (term === 'dumb') expect(raw).not.toMatch(/\u001b/);
  });

  it.each(['run', 'plan'])('Ctrl-C at the question of `%s` is an interruption: exit 130, nothing run or recorded', async (command) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STEPWISE_') && name !== 'CI'));
    const stateDir = `${folder.dir}/state-ctrl-c-${command}`;
    const session = startOnTerminal([process.execPath, CLI, command, file, '--state-dir', stateDir], { cwd: folder.dir, env: { ...env, TERM: 'xterm-256color' } });
    await session.waitFor(/secret parameter token/, 'the question');
    session.type('\x03');
    const exit = await session.exited;
    expect(exit.code, exit.screen).toBe(130);
    expect(exit.screen).toContain('stepwise: interrupted at the question for the secret parameter token; nothing was run');
    expect(exit.screen).not.toContain('internal error');
    expect(existsSync(`${stateDir}/runs`)).toBe(false);
  });

  it('is asked again by resume on a dumb terminal as one plain line, never shown', async () => {
    const once = await folder.write(
      'once.yaml',
      runbookYaml(
        'once',
        `params:
  token: { type: string, secret: true, minLength: 20 }
steps:
  - id: use
    type: shell
    with:
      command: [sh, -c, 'test -e tried && test "$TOKEN" = ${TOKEN} || { : > tried; exit 1; }']
      env: { TOKEN: "\${{ params.token }}" }
      effect: read
`,
      ),
    );
    const stateDir = `${folder.dir}/state-resume-dumb`;
    const failed = await runCli(['run', once, '--state-dir', stateDir], { cwd: folder.dir, env: { STEPWISE_PARAM_TOKEN: TOKEN } });
    expect(failed.code, failed.printed).toBe(1);
    const runId = /stepwise resume (\S+)/.exec(failed.stderr)![1]!;
    const raw = await answeredScreen(['resume', runId, '--state-dir', stateDir], { TERM: 'dumb' }, [['secret parameter token', `${TOKEN}\r`]]);
    expect(raw).not.toMatch(/\u001b/);
    expect(raw).not.toContain(TOKEN);
    expect(raw).toMatch(/succeeded/);
  });

  it('without a terminal, is refused with the environment variable to set, not -p', async () => {
    const result = await runCli(['run', file, '--state-dir', `${folder.dir}/state`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('set STEPWISE_PARAM_TOKEN=... in the environment, or run on a terminal to be asked for it');
    expect(result.stderr).not.toContain('-p token=');
  });
});
