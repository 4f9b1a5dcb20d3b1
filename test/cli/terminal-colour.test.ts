/**
 * What reaches a terminal that asks for no colour (FORCE_COLOR=0) or understands no escape
 * sequence at all (TERM=dumb), through a real pseudo-terminal made by util-linux's `script`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runbookYaml, scratchFolder } from '../support/cli.js';
import { answeredScreen, haveScript, rawScreen } from './support/terminal.js';

const COLOUR = /\u001b\[[0-9;]*m/;
const ANY_ESCAPE = /\u001b/;

describe.skipIf(!haveScript)('colour and cursor on a terminal', () => {
  let folder: Awaited<ReturnType<typeof scratchFolder>>;
  let file: string;
  beforeAll(async () => {
    folder = await scratchFolder();
    file = await folder.write(
      'colours.yaml',
      runbookYaml(
        'colours',
        `steps:
  - id: greet
    type: shell
    with: { command: [echo, hello], effect: read }
  - id: never
    type: shell
    if: "\${{ \`false\` }}"
    with: { command: [echo, never], effect: read }
`,
      ),
    );
  });
  afterAll(async () => folder.remove());

  it('colours the live view by default (so the tests below can see colour go away)', async () => {
    const screen = await rawScreen(['run', file, '--state-dir', `${folder.dir}/state`]);
    expect(screen).toMatch(COLOUR);
    expect(screen).toContain('greet');
  });

  it('FORCE_COLOR=0 turns colour off, in the live view as in the header', async () => {
    const screen = await rawScreen(['run', file, '--state-dir', `${folder.dir}/state`], { FORCE_COLOR: '0' });
    expect(screen).toContain('greet');
    expect(screen).toContain('succeeded');
    expect(screen).not.toMatch(COLOUR);
  });

  it('TERM=dumb gets plain lines: no colour and no cursor movement', async () => {
    const screen = await rawScreen(['run', file, '--state-dir', `${folder.dir}/state`], { TERM: 'dumb' });
    expect(screen).toMatch(/✔ greet/);
    expect(screen).toMatch(/never: skipped/);
    expect(screen).not.toMatch(ANY_ESCAPE);
  });

  it('TERM=dumb still asks for an approval, on one line, and takes the typed answer', async () => {
    const approval = await folder.write(
      'approval.yaml',
      runbookYaml(
        'approval',
        `steps:
  - id: ok
    type: approve
    with: { message: Go on? }
  - id: after
    type: shell
    with: { command: [echo, done], effect: read }
`,
      ),
    );
    const screen = await answeredScreen(['run', approval, '--state-dir', `${folder.dir}/state`], { TERM: 'dumb' }, [['Go on? [y/N]', 'y\r']]);
    expect(screen).toContain('Go on? [y/N]');
    expect(screen).toMatch(/✔ after/);
    expect(screen).toMatch(/succeeded/);
    expect(screen).not.toMatch(ANY_ESCAPE);
  });
});
