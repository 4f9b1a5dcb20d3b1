import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, runCli, runFolder, workspace, type Workspace } from '../support/cli.js';

async function cli(ws: Workspace, args: string[], env: Record<string, string> = {}) {
  const result = await runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
  expectNoStackTrace(result.printed);
  return result;
}

/** Each step appends its name to `log`: the log tells which ran, and how often. */
const CHANGE_THEN_CHECK = `apiVersion: stepwise/v1
name: change-then-check
version: 1.0.0
steps:
  - id: change
    type: shell
    with: { command: [sh, -c, 'echo change >> log'] }
  - id: look
    type: shell
    with: { command: [sh, -c, 'echo look >> log'], effect: read }
  - id: confirm
    type: approve
    with: { message: go on? }
  - id: check
    type: shell
    with: { command: [sh, -c, 'echo check >> log; test -e fixed'], effect: read }
  - id: report
    type: shell
    with: { command: [sh, -c, 'echo report >> log; cat fixed'], effect: read }
    outputs: { said: stdout }
`;

describe('the resume rule', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('restores the write before a failed check, runs the check again, asks the approval after it again, and says which is which', async () => {
    const ws = workspace();
    const runbook = ws.write('book.yaml', CHANGE_THEN_CHECK);
    expect((await cli(ws, ['run', runbook, '--yes'])).code).toBe(1);
    const runId = onlyRunId(ws.stateDir);
    writeFileSync(ws.file('fixed'), 'now fixed');

    // the approval --yes gave is spent: after the last change, it is asked again
    const unasked = await cli(ws, ['resume', runId, '--no-wait']);
    expect(unasked.code, unasked.printed).toBe(3);
    expect(unasked.stderr).toContain('read again (they only read, and ran after the last change or kept a secret): look, confirm');
    expect(unasked.printed).toContain(`to approve: stepwise approve ${runId} --step confirm`);

    const plain = await cli(ws, ['resume', runId, '--yes']);
    expect(plain.code, plain.printed).toBe(0);
    expect(plain.stderr).toContain('stepwise: restored from the journal (done, and not run again): change');
    expect(plain.stderr).toContain('read again (they only read, and ran after the last change or kept a secret): look');
    expect(plain.stdout).toMatch(/↺ 1 step done in an earlier attempt/);
    expect(plain.stdout).toMatch(/✔ look read again: done before, looked at anew/);
    expect(ws.read('log')).toBe('change\nlook\ncheck\nlook\nlook\ncheck\nreport\n');

    const json = await cli(ws, ['resume', runId, '--from', 'check', '--yes', '--json']);
    expect(json.code, json.printed).toBe(0);
    const steps = JSON.parse(json.stdout).steps as { id: string; status: string; readAgain?: boolean }[];
    expect(steps.map(({ id, status, readAgain }) => ({ id, status, ...(readAgain ? { readAgain } : {}) }))).toEqual([
      { id: 'change', status: 'restored' },
      { id: 'look', status: 'succeeded', readAgain: true },
      { id: 'confirm', status: 'succeeded', readAgain: true },
      { id: 'check', status: 'succeeded' },
      { id: 'report', status: 'succeeded' },
    ]);
  });
});

const PARENT = `apiVersion: stepwise/v1
name: parent
version: 1.0.0
steps:
  - id: before
    type: runbook
    with: { path: ./child.yaml }
  - id: after
    type: shell
    with: { command: [sh, -c, 'echo after >> log'] }
`;

const CHILD = `apiVersion: stepwise/v1
name: child
version: 1.0.0
steps:
  - id: one
    type: shell
    with: { command: [sh, -c, 'echo one >> log'] }
  - id: two
    type: shell
    with: { command: [sh, -c, 'echo two >> log'] }
  - id: state
    type: shell
    with: { command: [sh, -c, 'echo state >> log; test -e ok'], effect: read }
`;

describe('--from and sub-runbooks', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('names a step inside a sub-runbook as parent/child, and --from parent runs the whole sub-runbook again', async () => {
    const ws = workspace();
    ws.write('child.yaml', CHILD);
    const runbook = ws.write('parent.yaml', PARENT);
    expect((await cli(ws, ['run', runbook])).code).toBe(1);
    const runId = onlyRunId(ws.stateDir);
    writeFileSync(ws.file('ok'), '');

    const unknown = await cli(ws, ['resume', runId, '--from', 'before/tow']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--from before/tow: no such step; did you mean "before/two"?');

    const fromChild = await cli(ws, ['resume', runId, '--from', 'before/two']);
    expect(fromChild.code, fromChild.printed).toBe(0);
    expect(ws.read('log')).toBe('one\ntwo\nstate\ntwo\nstate\nafter\n');

    const fromParent = await cli(ws, ['resume', runId, '--from', 'before']);
    expect(fromParent.code, fromParent.printed).toBe(0);
    expect(ws.read('log')).toBe('one\ntwo\nstate\ntwo\nstate\nafter\none\ntwo\nstate\nafter\n');
  });
});

const DEPLOY = (list: string) => `apiVersion: stepwise/v1
name: deploy
version: 1.0.0
steps:
  - id: deploy
    type: shell
    forEach: ${list}
    with: { command: [sh, -c, 'echo "$1" >> log; test "$1" != c || test -e ok', sh, "\${{ item }}"] }
`;

describe('forEach on resume', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('knows items by value: after [a, b, c] became [z, a, b, c], it runs z and c only, and says z is new', async () => {
    const ws = workspace();
    const runbook = ws.write('deploy.yaml', DEPLOY('[a, b, c]'));
    expect((await cli(ws, ['run', runbook])).code).toBe(1);
    const runId = onlyRunId(ws.stateDir);
    ws.write('deploy.yaml', DEPLOY('[z, a, b, c]'));
    writeFileSync(ws.file('ok'), '');

    const resumed = await cli(ws, ['resume', runId, '--allow-changed']);
    expect(resumed.code, resumed.printed).toBe(0);
    expect(ws.read('log')).toBe('a\nb\nc\nz\nc\n');
    expect(resumed.stdout).toContain('items new in the list since the run began (they run): "z"');
  });
});

const PARAMS = `apiVersion: stepwise/v1
name: params
version: 1.0.0
params:
  name: { type: string, pattern: "^[a-z]+$" }
steps:
  - id: gate
    type: shell
    with: { command: "test -e ok", effect: read }
  - id: use
    type: shell
    with: { command: [sh, -c, 'echo "$1" >> used', sh, "\${{ params.name }}"] }
`;

describe('params on resume', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('are checked against the runbook again: an edited run.json is refused, naming the file and the rule', async () => {
    const ws = workspace();
    const runbook = ws.write('params.yaml', PARAMS);
    expect((await cli(ws, ['run', runbook, '-p', 'name=abc'])).code).toBe(1);
    const runId = onlyRunId(ws.stateDir);
    const record = path.join(runFolder(ws.stateDir, runId), 'run.json');
    writeFileSync(record, readFileSync(record, 'utf8').replace('"name": "abc"', '"name": "x; rm -rf /"').replace('"name":"abc"', '"name":"x; rm -rf /"'));
    writeFileSync(ws.file('ok'), '');

    const resumed = await cli(ws, ['resume', runId]);
    expect(resumed.code, resumed.printed).toBe(2);
    expect(resumed.stderr).toContain('invalid parameters');
    expect(resumed.stderr).toContain(`${record}: parameter "name" must match the pattern ^[a-z]+$, not "x; rm -rf /"`);
    expect(() => ws.read('used')).toThrow();
  });

  it('ask for a param the changed runbook now requires, or refuse and name STEPWISE_PARAM_<NAME>', async () => {
    const ws = workspace();
    const runbook = ws.write('params.yaml', PARAMS);
    expect((await cli(ws, ['run', runbook, '-p', 'name=abc'])).code).toBe(1);
    const runId = onlyRunId(ws.stateDir);
    ws.write('params.yaml', PARAMS.replace('params:\n', 'params:\n  region: { type: string, pattern: "^[a-z]+-[0-9]$" }\n').replace('"$1" >> used\', sh, "${{ params.name }}"', '"$1 $2" >> used\', sh, "${{ params.name }}", "${{ params.region }}"'));
    writeFileSync(ws.file('ok'), '');

    const refused = await cli(ws, ['resume', runId, '--allow-changed']);
    expect(refused.code, refused.printed).toBe(2);
    expect(refused.stderr).toContain('the runbook requires parameters this run was not given (it changed since the run started); give them:');
    expect(refused.stderr).toContain(`STEPWISE_PARAM_REGION=... stepwise resume ${runId}`);

    const invalid = await cli(ws, ['resume', runId, '--allow-changed'], { STEPWISE_PARAM_REGION: 'moon' });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('STEPWISE_PARAM_REGION: parameter "region" must match the pattern ^[a-z]+-[0-9]$, not "moon"');

    const resumed = await cli(ws, ['resume', runId, '--allow-changed'], { STEPWISE_PARAM_REGION: 'eu-1' });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(ws.read('used')).toBe('abc eu-1\n');
  });
});

const SECRET_PARENT = `apiVersion: stepwise/v1
name: secret-parent
version: 1.0.0
steps:
  - id: get
    type: runbook
    with: { path: ./secret-child.yaml }
    outputs: { key: key }
  - id: gate
    type: shell
    with: { command: "test -e allow", effect: read }
  - id: use
    type: shell
    with: { command: [sh, -c, 'printf %s "$1" > used.txt', sh, "\${{ steps.get.outputs.key }}"] }
`;

const SECRET_CHILD = `apiVersion: stepwise/v1
name: secret-child
version: 1.0.0
steps:
  - id: mint
    type: shell
    with: { command: [cat, minted.txt], effect: read }
    outputs: { key: { from: stdout, secret: true } }
outputs:
  key: "\${{ steps.mint.outputs.key }}"
`;

describe('a sub-runbook\'s secret output on resume', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('reaches the next step as its value, never as the mask, and the journal marks it unrestorable', async () => {
    const ws = workspace();
    ws.write('secret-child.yaml', SECRET_CHILD);
    const runbook = ws.write('secret-parent.yaml', SECRET_PARENT);
    const minted = 'minted-0123456789abcdef';
    ws.write('minted.txt', minted);
    expect((await cli(ws, ['run', runbook])).code).toBe(1);
    const runId = onlyRunId(ws.stateDir);
    writeFileSync(ws.file('allow'), '');

    const resumed = await cli(ws, ['resume', runId]);
    expect(resumed.code, resumed.printed).toBe(0);
    expect(ws.read('used.txt')).toBe(minted);
    const journal = readFileSync(path.join(runFolder(ws.stateDir, runId), 'journal.ndjson'), 'utf8');
    expect(journal).not.toContain(minted);
    expect(journal).toContain('"stepId":"get","outputs":{"key":"***"}');
    expect(journal).toMatch(/"stepId":"get","outputs":\{"key":"\*\*\*"\}[^\n]*"unrestorable":\[\["key"\]\]/);
  });
});
