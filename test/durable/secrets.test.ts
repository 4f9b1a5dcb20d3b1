import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, runCli, workspace, type CliResult } from '../support/cli.js';

/**
 * A secret param that a step uses, a step that mints a secret output (a read step, so a
 * resume runs it again to get the value back), a step that uses that output, then a gate
 * that fails until the file `allow` exists.
 */
const RUNBOOK = `apiVersion: stepwise/v1
name: secretive
version: 1.0.0
params:
  token: { type: string, secret: true }
steps:
  - id: greet
    type: shell
    with: { command: [sh, -c, 'printf %s "$1" > token-seen.txt; echo "token is $1"', sh, "\${{ params.token }}"] }
    outputs: { said: stdout }
  - id: mint
    type: shell
    with: { command: [cat, minted.txt], effect: read }
    outputs: { key: { from: stdout, secret: true } }
  - id: gate
    type: shell
    with: { command: "test -e allow" }
  - id: unlock
    type: shell
    with: { command: [sh, -c, 'printf %s "$1" > key-seen.txt; echo "key is $1"', sh, "\${{ steps.mint.outputs.key }}"] }
    outputs: { said: stdout }
outputs:
  said: "\${{ steps.unlock.outputs.said }}"
`;

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const file = path.join(folder, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe('secrets across a failed and resumed run', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it.each([
    ['STEPWISE_PARAM_TOKEN', (token: string) => ({ args: [], env: { STEPWISE_PARAM_TOKEN: token } })],
    ['-p', (token: string) => ({ args: ['-p', `token=${token}`, '--json'], env: {} })],
  ])('never stores or prints a secret param given with %s, nor a secret output', async (_how, give) => {
    const ws = workspace();
    const runbook = ws.write('secretive.yaml', RUNBOOK);
    const token = `tok-${randomBytes(8).toString('hex')}`;
    const minted = `minted-${randomBytes(8).toString('hex')}`;
    writeFileSync(ws.file('minted.txt'), minted);
    const printed: CliResult[] = [];
    const cli = async (args: string[], env: Record<string, string> = {}) => {
      const result = await runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
      printed.push(result);
      expectNoStackTrace(result.printed);
      return result;
    };

    const { args, env } = give(token);
    const failed = await cli(['run', runbook, ...args], env);
    expect(failed.code, failed.printed).toBe(1);
    const runId = onlyRunId(ws.stateDir);

    const withoutSecret = await cli(['resume', runId]);
    expect(withoutSecret.code, withoutSecret.printed).toBe(2);
    expect(withoutSecret.stderr).toContain('this run has secret parameters, which are never stored; give them again:');
    expect(withoutSecret.stderr, 'the line to copy keeps where the run is').toContain(`STEPWISE_PARAM_TOKEN=... stepwise resume ${runId} --state-dir ${ws.stateDir}\n`);

    writeFileSync(ws.file('allow'), '');
    const resumed = await cli(['resume', runId, '--json'], { STEPWISE_PARAM_TOKEN: token });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId, status: 'succeeded', outputs: { said: 'key is ***' } });
    for (const args of [['runs'], ['runs', '--json'], ['show', runId], ['show', runId, '--json']]) {
      expect((await cli(args)).code).toBe(0);
    }

    // The secrets did reach the steps, so a leak would have had something to leak.
    expect(ws.read('token-seen.txt')).toBe(token);
    expect(ws.read('key-seen.txt')).toBe(minted);
    expect(printed.map((result) => result.printed).join('')).toContain('token is ***');
    const leaks: string[] = [];
    for (const [name, secret] of Object.entries({ token, minted })) {
      for (const result of printed) if (result.printed.includes(secret)) leaks.push(`${name} printed:\n${result.printed}`);
      for (const file of filesUnder(ws.stateDir)) if (readFileSync(file, 'utf8').includes(secret)) leaks.push(`${name} stored in ${file}`);
    }
    expect(leaks).toEqual([]);
  });
});
