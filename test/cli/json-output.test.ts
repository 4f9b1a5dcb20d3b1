import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runbookYaml, scratchFolder } from '../support/cli.js';

/** `--json` as docs/json.md describes it: one document on stdout, whatever the outcome. */

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
let valid: string;
let invalid: string;

beforeAll(async () => {
  scratch = await scratchFolder();
  valid = await scratch.write(
    'valid.yaml',
    runbookYaml(
      'valid',
      `
params:
  who: { type: string, default: world }
  workers: { type: array, items: { type: string }, required: false }
steps:
  - id: look
    type: shell
    with: { command: [echo, "hello \${{ params.who }}"], effect: read }
    outputs: { said: stdout }
  - id: touch
    type: shell
    with: { command: [touch, never-made] }
outputs:
  said: "\${{ steps.look.outputs.said }}"
`,
    ),
  );
  invalid = await scratch.write(
    'invalid.yaml',
    runbookYaml(
      'invalid',
      `
steps:
  - id: count
    type: shell
    with: { command: "ls | wc -l", effect: read }
  - id: later
    type: sheel
`,
    ),
  );
});

afterAll(() => scratch?.remove());

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('validate --json', () => {
  it('gives every diagnostic with file, line, column, message and severity, and each file\'s verdict', async () => {
    const result = await runCli(['validate', '--json', valid, invalid, 'missing.yaml'], { cwd: scratch.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    expect(json(result.stdout)).toEqual({
      valid: false,
      warnings: [],
      files: [
        { file: valid, valid: true, diagnostics: [] },
        {
          file: invalid,
          valid: false,
          diagnostics: [
            { file: invalid, line: 7, column: 26, severity: 'error', rule: 'step-input', message: expect.stringContaining('`|` would be a pipe in a shell') },
            { file: invalid, line: 9, column: 11, severity: 'error', rule: 'unknown-step-type', message: expect.stringContaining('unknown step type "sheel"') },
          ],
        },
        { file: 'missing.yaml', valid: false, diagnostics: [{ file: 'missing.yaml', line: null, column: null, severity: 'error', rule: 'unreadable-file', message: 'no such file' }] },
      ],
    });
  });

  it('says valid: true and exits 0 when every file is', async () => {
    const result = await runCli(['validate', '--json', valid], { cwd: scratch.dir });
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toEqual({ valid: true, warnings: [], files: [{ file: valid, valid: true, diagnostics: [] }] });
  });
});

describe('refusals under --json print an error document on stdout', () => {
  it('for parameters, naming each problem', async () => {
    const result = await runCli(['run', valid, '--json', '-p', 'wh=1', '-p', 'workers=a', '--state-dir', 'state'], { cwd: scratch.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stepwise: invalid parameters');
    const document = json(result.stdout);
    expect(document).toEqual({
      error: { kind: 'invalid-input', message: 'invalid parameters', details: [expect.stringContaining('unknown parameter "wh"'), expect.stringContaining('workers')], diagnostics: [] },
      exitCode: 2,
    });
  });

  it('for an invalid runbook, with its located diagnostics', async () => {
    for (const command of ['run', 'plan']) {
      const result = await runCli([command, invalid, '--json'], { cwd: scratch.dir });
      expect(result.code).toBe(2);
      const { error } = json(result.stdout) as { error: { kind: string; diagnostics: { line: number; column: number }[] } };
      expect(error.kind).toBe('invalid-input');
      expect(error.diagnostics.map(({ line, column }) => [line, column])).toEqual([
        [7, 26],
        [9, 11],
      ]);
    }
  });

  it('for arguments the command line refuses', async () => {
    const result = await runCli(['plan', valid, '--json', '--no-such-option'], { cwd: scratch.dir });
    expect(result.code).toBe(2);
    expect(json(result.stdout)).toEqual({ error: { kind: 'invalid-input', message: "unknown option '--no-such-option'", details: [], diagnostics: [] }, exitCode: 2 });
  });

  it('and nothing on stdout without --json', async () => {
    const result = await runCli(['run', valid, '-p', 'wh=1'], { cwd: scratch.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });
});

describe('plan --json and run --json', () => {
  it('share one shape; a plan, which nothing records, has a null runId', async () => {
    const plan = await runCli(['plan', valid, '--json'], { cwd: scratch.dir });
    const run = await runCli(['run', valid, '--json', '--state-dir', 'state'], { cwd: scratch.dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(run.code, run.stderr).toBe(0);
    const planned = json(plan.stdout);
    const ran = json(run.stdout);
    expect(Object.keys(planned)).toEqual(Object.keys(ran));
    expect(planned).toMatchObject({ runId: null, runbook: 'valid', version: '1.2.3', dryRun: true, params: { who: 'world' }, status: 'planned' });
    expect(ran).toMatchObject({ runId: expect.stringMatching(/^\d{8}-\d{6}-[0-9a-f]{4}$/), runbook: 'valid', version: '1.2.3', dryRun: false, params: { who: 'world' }, status: 'succeeded' });
    const stepKeys = (document: Record<string, unknown>) => (document.steps as Record<string, unknown>[]).map((step) => Object.keys(step).slice(0, 4));
    expect(stepKeys(planned)).toEqual(stepKeys(ran));
  });
});
