import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, runCli, workspace, type Workspace } from '../support/cli.js';

/**
 * Secrets in the shapes programs print them: a key of several lines, text inside JSON, in a
 * URL, in base64, as a key of a parsed document, at the end of a long line, and one too short
 * to mask. Each run is looked at where an operator or a colleague would see it: the terminal,
 * journal.ndjson, `show` and `show --json`.
 */
async function runAndShow(ws: Workspace, runbook: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; seen: { printed: string; journal: string; shown: string } }> {
  const run = await runCli(['run', runbook, '--state-dir', ws.stateDir, ...args], { cwd: ws.dir, env });
  expectNoStackTrace(run.printed);
  if (run.code === 2) throw new Error(run.printed);
  const runId = onlyRunId(ws.stateDir);
  const journal = readFileSync(path.join(ws.stateDir, 'runs', runId, 'journal.ndjson'), 'utf8');
  const show = await runCli(['show', runId, '--state-dir', ws.stateDir], { cwd: ws.dir });
  const showJson = await runCli(['show', runId, '--json', '--state-dir', ws.stateDir], { cwd: ws.dir });
  expect(show.code, show.printed).toBe(0);
  expect(showJson.code, showJson.printed).toBe(0);
  return { code: run.code, seen: { printed: run.printed, journal, shown: show.printed + showJson.printed } };
}

function expectNowhere(places: Record<string, string>, leaks: string[]): void {
  for (const [where, text] of Object.entries(places)) {
    for (const leak of leaks) expect(text.includes(leak), `${where} shows ${JSON.stringify(leak)}:\n${text}`).toBe(false);
  }
}

const PRINT_TWICE_AND_FAIL = `apiVersion: stepwise/v1
name: pem
version: 1.0.0
params:
  key: { type: string, secret: true }
steps:
  - id: use-key
    type: shell
    with: { command: [sh, -c, 'printf "%s\\n" "$1"; printf "%s\\n" "$1" >&2; exit 3', sh, "\${{ params.key }}"] }
`;

describe('secrets in the forms programs print them', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('masks every line of a secret of several lines: live output, failure message, journal, show', async () => {
    const ws = workspace();
    const runbook = ws.write('pem.yaml', PRINT_TWICE_AND_FAIL);
    const body = [0, 1, 2].map(() => randomBytes(36).toString('base64'));
    const key = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----'].join('\n');
    const { code, seen } = await runAndShow(ws, runbook, { STEPWISE_PARAM_KEY: key });
    expect(code, seen.printed).toBe(1);
    expect(seen.printed).toContain('exited with code 3 (allowed: 0): ***');
    expectNowhere(seen, [...body, '-----END PRIVATE KEY-----']);
  });

  it('masks a secret written as JSON text, URL-encoded or in base64', async () => {
    const ws = workspace();
    const password = `pa"ss\\word-2024 é/${randomBytes(4).toString('hex')}`;
    const forms = {
      json: JSON.stringify(password).slice(1, -1),
      python: JSON.stringify(password).slice(1, -1).replace('é', '\\u00e9'),
      url: encodeURIComponent(password),
      base64: Buffer.from(password).toString('base64'),
    };
    const runbook = ws.write(
      'forms.yaml',
      `apiVersion: stepwise/v1
name: forms
version: 1.0.0
params:
  password: { type: string, secret: true }
steps:
  - id: print
    type: shell
    with:
      command:
        - node
        - -e
        - |
          const password = process.argv[1];
          console.log(JSON.stringify({ password }));
          console.log(JSON.stringify({ password }).replace('é', '\\\\u00e9'));
          console.log('https://db.example/?password=' + encodeURIComponent(password));
          console.log('basic ' + Buffer.from(password).toString('base64'));
        - "\${{ params.password }}"
`,
    );
    const { code, seen } = await runAndShow(ws, runbook, { STEPWISE_PARAM_PASSWORD: password });
    expect(code, seen.printed).toBe(0);
    expect(seen.printed).toContain('{"password":"***"}');
    expect(seen.journal).toContain('https://db.example/?password=***');
    expectNowhere(seen, [password, ...Object.values(forms), Buffer.from(password).toString('base64').replace(/=+$/, '')]);
  });

  it('masks a secret that is a key of a parsed document, keeping both entries when two keys mask alike', async () => {
    const ws = workspace();
    const token = `tok-${randomBytes(8).toString('hex')}`;
    const runbook = ws.write(
      'keys.yaml',
      `apiVersion: stepwise/v1
name: keys
version: 1.0.0
params:
  token: { type: string, secret: true }
steps:
  - id: grants
    type: shell
    with:
      command: [node, -e, 'const t = process.argv[1]; console.log(JSON.stringify({ [t]: 1, ["a-" + t]: 2, "a-***": 3 }))', "\${{ params.token }}"]
      parse: json
      effect: read
    outputs: { grants: parsed }
outputs:
  grants: "\${{ steps.grants.outputs.grants }}"
`,
    );
    const { code, seen } = await runAndShow(ws, runbook, { STEPWISE_PARAM_TOKEN: token }, ['--json']);
    expect(code, seen.printed).toBe(0);
    expectNowhere(seen, [token]);
    const finished = seen.journal.trim().split('\n').map((line) => JSON.parse(line) as { type: string; outputs?: unknown }).find((event) => event.type === 'run-finished');
    expect(finished?.outputs).toEqual({ grants: { '***': 1, 'a-*** (2)': 2, 'a-***': 3 } });
  });

  it('refuses a secret output too short to be masked, and never shows it', async () => {
    const ws = workspace();
    const pin = 'Zq7';
    writeFileSync(ws.file('pin.txt'), `${pin}\n`);
    const runbook = ws.write(
      'pin.yaml',
      `apiVersion: stepwise/v1
name: pin
version: 1.0.0
steps:
  - id: pin
    type: shell
    with: { command: [sh, -c, 'cat pin.txt; echo "the pin is $(cat pin.txt)" >&2'], effect: read }
    outputs: { pin: { from: stdout, secret: true } }
  - id: use
    type: shell
    with: { command: [echo, "\${{ steps.pin.outputs.pin }}"] }
`,
    );
    const { code, seen } = await runAndShow(ws, runbook, {});
    expect(code, seen.printed).toBe(1);
    expect(seen.printed).toContain('outputs.pin is marked secret, but its value has fewer than 4 characters');
    expect(seen.journal).toContain('"code":"secret-too-short"');
    expectNowhere(seen, [pin]);
  });

  it('redacts a live line before cutting it, so a long line never shows the start of a secret', async () => {
    const ws = workspace();
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const runbook = ws.write(
      'long.yaml',
      `apiVersion: stepwise/v1
name: long
version: 1.0.0
params:
  token: { type: string, secret: true }
steps:
  - id: print
    type: shell
    with: { command: [sh, -c, 'printf "%0490d%s\\n" 0 "$1"', sh, "\${{ params.token }}"] }
`,
    );
    const { code, seen } = await runAndShow(ws, runbook, { STEPWISE_PARAM_TOKEN: token });
    expect(code, seen.printed).toBe(0);
    expect(seen.printed).toContain(`${'0'.repeat(490)}***`);
    expectNowhere(seen, [token.slice(0, 8)]);
  });
});
