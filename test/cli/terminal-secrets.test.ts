/**
 * Secrets in the live view an operator sees on a terminal (listr2), through a real
 * pseudo-terminal made by util-linux's `script`, 120 columns wide.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runbookYaml, scratchFolder } from '../support/cli.js';

const SCRIPT = '/usr/bin/script';
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

async function onTerminal(args: string[], extraEnv: Record<string, string>): Promise<string> {
  const command = `stty cols 120; ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`;
  const inherited = Object.entries(process.env).filter(([name]) => name !== 'CI' && !name.startsWith('STEPWISE_'));
  const env = { ...Object.fromEntries(inherited), ...extraEnv };
  const { stdout } = await promisify(execFile)(SCRIPT, ['-qec', command, '/dev/null'], { env }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return stdout.replace(ESCAPES, '').replaceAll('\r', '');
}

describe.skipIf(!existsSync(SCRIPT))('secrets on a terminal', () => {
  let folder: Awaited<ReturnType<typeof scratchFolder>>;
  beforeAll(async () => void (folder = await scratchFolder()));
  afterAll(async () => folder.remove());

  it('never shows a line of a secret of several lines, such as the one a failure message quotes', async () => {
    const body = [0, 1, 2].map(() => randomBytes(36).toString('base64'));
    const key = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----'].join('\n');
    const file = await folder.write(
      'secrets.yaml',
      runbookYaml(
        'secrets',
        `params:
  key: { type: string, secret: true }
steps:
  - id: pem
    type: shell
    with: { command: [sh, -c, 'printf "%s\\n" "$1"; printf "%s\\n" "$1" | sed "\\$d" >&2; exit 3', sh, "\${{ params.key }}"], effect: read }
`,
      ),
    );
    const screen = await onTerminal(['run', file, '--state-dir', `${folder.dir}/state`], { STEPWISE_PARAM_KEY: key });
    expect(screen).toContain('exited with code 3 (allowed: 0): ***');
    for (const leak of body) expect(screen, leak).not.toContain(leak);
  });
});
