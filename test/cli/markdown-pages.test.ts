import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ANSI_ESCAPE, CLI, onlyRunId, runCli, runbookYaml, scratchFolder, STACK_TRACE_LINE } from '../support/cli.js';
import { haveScript, SCRIPT } from './support/terminal.js';

/** `--format markdown`: a page for a pull request or a change ticket on stdout, and nothing else there. */

const SECRET = 'hunter2-very-secret-token';

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
let planned: string;
let failing: string;
let previewing: string;

beforeAll(async () => {
  scratch = await scratchFolder();
  planned = await scratch.write(
    'planned.yaml',
    runbookYaml(
      'planned',
      `
params:
  system: { type: string }
  token: { type: string, secret: true }
steps:
  - id: look
    type: shell
    with: { command: [echo, '{"stack": "\${{ params.system }}-compute"}'], parse: json, effect: read }
    outputs: { stack: parsed.stack }
  - id: never
    type: shell
    if: "\${{ params.system == 'nothing' }}"
    with: { command: [touch, never] }
  - id: each
    type: shell
    forEach: ["a|b", "c\`d"]
    with: { command: [touch, "\${{ item }}-\${{ params.token }}"] }
  - id: create
    type: shell
    with: { command: [touch, "\${{ steps.look.outputs.stack }}.created"] }
    outputs: { created: stdout }
  - id: report
    type: shell
    with: { command: [echo, "\${{ steps.create.outputs.created }}"], effect: read }
`,
    ),
  );
  failing = await scratch.write(
    'failing.yaml',
    runbookYaml(
      'failing',
      `
params:
  token: { type: string, secret: true }
steps:
  - id: tell
    type: shell
    with: { command: [echo, "token \${{ params.token }}"], effect: read }
    outputs: { said: stdout }
  - id: break
    type: shell
    with: { command: [sh, -c, "echo 'no | way' >&2; exit 3"], effect: read }
`,
    ),
  );
  // A step type that previews resources, as aws.cloudformation.update-stack lists its change set.
  await scratch.write(
    'stack-steps.js',
    `export default {
  type: 'team.update-stack',
  description: 'updates a stack',
  effect: 'write',
  input: { type: 'object', properties: { stack: { type: 'string' }, password: { type: 'string' } } },
  plan: async (_ctx, input) => ({
    summary: 'would update ' + input.stack,
    changes: [
      { action: 'Remove', logicalId: 'SoloNode', resourceType: 'AWS::EC2::Instance', replacement: 'True' },
      { action: 'Add', logicalId: 'Node|' + input.password, resourceType: 'AWS::EC2::\\\`Instance\\\`' },
    ],
  }),
  run: async () => null,
};
`,
  );
  previewing = await scratch.write(
    'previewing.yaml',
    runbookYaml(
      'previewing',
      `
plugins: [./stack-steps.js]
params:
  token: { type: string, secret: true }
steps:
  - id: update
    type: team.update-stack
    with: { stack: prod-compute, password: "\${{ params.token }}" }
`,
    ),
  );
});

afterAll(() => scratch?.remove());

const secretEnv = { STEPWISE_PARAM_TOKEN: SECRET };

describe.concurrent('--format markdown', () => {
  it('plan prints a page of each step: the write it would make, the skip, the forEach items, what it depends on', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(['plan', planned, '-p', 'system=prod', '--format', 'markdown'], { env: secretEnv });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Plan: planned 1\.2\.3\n/);
    expect(stdout).toContain('| system | "prod" |');
    expect(stdout).toContain('| token | (secret, not shown) |');
    expect(stdout).toContain('### 2. `never` (shell): skipped\n\nSkipped: params.system == \'nothing\' is false');
    expect(stdout).toContain('### 3. `each` (shell): would change');
    expect(stdout).toMatch(/Item 0: touch 'a\\\|b-\\\*\\\*\\\*'/);
    expect(stdout).toMatch(/Item 1: touch 'c\\`d-/);
    expect(stdout).toContain('### 4. `create` (shell): would change\n\ntouch prod-compute.created');
    expect(stdout).toContain('### 5. `report` (shell): depends on earlier changes\n\nDepends on `create`');
    // progress is kept off the page
    expect(stdout).not.toMatch(/✔|◇|plan complete/);
    expect(stderr).toContain('plan complete');
    expect(`${stdout}${stderr}`).not.toContain(SECRET);
  });

  it('plan says an approval needs a decision, and whose: not "would ask" of one the operator may not give', async ({ expect }) => {
    const gated = await scratch.write('gated.yaml', runbookYaml('gated', 'steps:\n  - id: sign-off\n    type: approve\n    with: { message: "Go on?", approvers: [someone-else] }\n'));
    const { code, stdout } = await runCli(['plan', gated, '--format', 'markdown']);
    expect(code).toBe(0);
    expect(stdout).toContain('### 1. `sign-off` (approve): needs a decision\n\nwould wait for 1 approval by someone-else (not the operator), at most 24h: Go on?');
  });

  it.skipIf(!haveScript).for([
    ['a Markdown page', '--format markdown', /^# Plan: planned 1\.2\.3\n/],
    ['a JSON document', '--json', /^\{\n {2}"runId": null,/],
  ] as const)('on a terminal, `plan` with %s sent to a file keeps the progress on the screen and the document alone in the file', async ([, option, start], { expect }) => {
    const file = scratch.file(`plan-${option.length}.out`);
    const command = `stty cols 120; '${process.execPath}' '${CLI}' plan '${planned}' -p system=prod ${option} > '${file}'`;
    const { stdout: raw } = await promisify(execFile)(SCRIPT, ['-qec', command, '/dev/null'], { env: { ...process.env, CI: '', NO_COLOR: '', TERM: 'xterm-256color', ...secretEnv } });
    const screen = raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(raw).toMatch(ANSI_ESCAPE);
    expect(screen).toContain('look');
    expect(screen).toContain('plan complete');
    const written = scratch.read(file.slice(scratch.dir.length + 1));
    expect(written).toMatch(start);
    expect(written).not.toMatch(ANSI_ESCAPE);
    expect(written).not.toMatch(/plan complete|✔/);
    expect(`${screen}${written}`).not.toContain(SECRET);
  });

  it('a step whose plan lists resource changes gets them as a table, escaped, without the secret', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(['plan', previewing, '--format', 'markdown'], { env: secretEnv });
    expect(stderr).not.toContain(SECRET);
    expect(code).toBe(0);
    expect(stdout).toContain('would update prod-compute\n\n| Action | Logical id | Type | Replacement |\n| --- | --- | --- | --- |\n| Remove | SoloNode | AWS::EC2::Instance | True |\n| Add | Node\\|*** | AWS::EC2::\\`Instance\\` |  |');
    expect(stdout).not.toContain(SECRET);
  });

  it('a plan that fails says on its page where it stopped, exit 1', async ({ expect }) => {
    const { code, stdout } = await runCli(['plan', failing, '--format', 'markdown'], { env: secretEnv });
    expect(code).toBe(1);
    expect(stdout).toMatch(/\*\*The plan stopped\*\* at `break`: .*no \\\| way/);
    expect(stdout).toContain('### 2. `break` (shell): failed');
    expect(stdout).not.toContain(SECRET);
  });

  it('run --dry-run prints the same page', async ({ expect }) => {
    const { code, stdout } = await runCli(['run', '--dry-run', planned, '-p', 'system=prod', '--format', 'markdown'], { env: secretEnv });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Plan: planned 1\.2\.3\n/);
    expect(stdout).not.toContain(SECRET);
  });

  it('show prints a succeeded run\'s page with its outputs, the secret output redacted', async ({ expect }) => {
    const space = scratch.file('state-succeeded');
    const ran = await runCli(['run', planned, '-p', 'system=prod', '--yes', '--state-dir', space], { env: secretEnv, cwd: scratch.dir });
    expect(ran.code).toBe(0);
    const { code, stdout, stderr } = await runCli(['show', onlyRunId(space), '--state-dir', space, '--format', 'markdown']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^# Run \S+: planned 1\.2\.3\n\n\*\*succeeded\*\* in /);
    expect(stdout).toContain('| token | (secret, not shown) |');
    expect(stdout).toContain('### 1. `look`: succeeded');
    expect(stdout).toContain('"stack": "prod-compute"');
    expect(stdout).toContain('### 2. `never`: skipped');
    expect(stdout).toMatch(/### 3\. `each`: succeeded\n\n.*2 items\./);
    expect(stdout).not.toContain(SECRET);
  });

  it('show prints a failed run\'s page with the error, and no secret', async ({ expect }) => {
    const space = scratch.file('state-failed');
    const ran = await runCli(['run', failing, '--state-dir', space], { env: secretEnv, cwd: scratch.dir });
    expect(ran.code).toBe(1);
    const { code, stdout } = await runCli(['show', onlyRunId(space), '--state-dir', space, '--format', 'markdown']);
    expect(code).toBe(0);
    expect(stdout).toContain('**failed**');
    expect(stdout).toContain('### 1. `tell`: succeeded');
    expect(stdout).toContain('"said": "token ***"');
    expect(stdout).toMatch(/### 2\. `break`: failed\n\n.*\n\nError \(`[^`]+`\): .*no \\\| way/);
    expect(stdout).not.toContain(SECRET);
  });

  it.for([
    ['plan', () => ['plan', planned, '-p', 'system=prod', '--format', 'markdown', '--json']],
    ['show', () => ['show', 'some-run', '--state-dir', scratch.file('none'), '--format', 'markdown', '--json']],
  ] as const)('%s refuses --format markdown with --json, exit 2', async ([, args], { expect }) => {
    const { code, printed } = await runCli(args(), { env: secretEnv });
    expect(code).toBe(2);
    expect(printed).toContain('--format markdown and --json both print a document on stdout');
    expect(printed).not.toMatch(STACK_TRACE_LINE);
  });

  it('a real run refuses --format markdown, exit 2, and runs nothing', async ({ expect }) => {
    const space = scratch.file('state-refused');
    const { code, stderr } = await runCli(['run', planned, '-p', 'system=prod', '--format', 'markdown', '--state-dir', space], { env: secretEnv, cwd: scratch.dir });
    expect(code).toBe(2);
    expect(stderr).toContain('stepwise show RUN_ID --format markdown');
    expect(() => onlyRunId(space)).toThrow();
  });

  it('an unknown format is refused, exit 2', async ({ expect }) => {
    const { code, stderr } = await runCli(['plan', planned, '--format', 'html']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--format.*html.*text, markdown/s);
  });
});
