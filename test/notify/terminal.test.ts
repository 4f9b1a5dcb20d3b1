/**
 * On a real pseudo-terminal (util-linux `script`), with the live view: a notification that
 * cannot be delivered is one whole warning line under the run's result, and the exit code is 0.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, CLI_TESTS_TIMEOUT_MS, runbookYaml, workspace } from '../support/cli.js';
import { haveScript, SCRIPT } from '../cli/support/terminal.js';

const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

let server: Server;
let base: string;
const heard: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.url === '/broken') return void response.writeHead(500).end();
      heard.push(request.url ?? '');
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** The screen, escapes and carriage returns dropped, then `exit=N`. */
async function onTerminal(args: string[], cwd: string): Promise<string> {
  const command = `stty cols 120; ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}; echo "exit=$?"`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['CI', 'NO_COLOR', 'FORCE_COLOR'].includes(name) && !name.startsWith('STEPWISE_')));
  const { stdout } = await promisify(execFile)(SCRIPT, ['-qec', command, '/dev/null'], { env: { ...env, TERM: 'xterm-256color' }, cwd });
  return stdout.replace(ESCAPES, '').replaceAll('\r', '');
}

describe.skipIf(!haveScript)('notify on a terminal', () => {
  it('an undeliverable webhook is one whole warning line after the result, and the run exits 0', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const space = workspace();
    const file = space.write(
      'announced.yaml',
      runbookYaml('announced', `
notify:
  - webhook: ${base}/broken
  - webhook: ${base}/team
steps:
  - id: first
    type: shell
    with: { command: [echo, one], effect: read }
  - id: second
    type: shell
    with: { command: [echo, two], effect: read }
`),
    );
    const screen = await onTerminal(['run', file, '--state-dir', space.stateDir], space.dir);
    expect(screen).toMatch(/✔ succeeded in [^\n]+\n(?:.*\n)*stepwise: warning: could not notify webhook http:\/\/127\.0\.0\.1:\d+\/… \(the runbook's notify\) that the run succeeded: it answered HTTP 500 Internal Server Error\n/);
    expect(screen).toMatch(/exit=0\s*$/);
    expect(heard).toEqual(['/team']);
  });
});
