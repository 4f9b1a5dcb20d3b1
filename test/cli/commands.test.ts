import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ANSI_ESCAPE, REPO, runCli, runbookYaml, scratchFolder, STACK_TRACE_LINE } from '../support/cli.js';

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
let validFile: string;
let invalidFile: string;

beforeAll(async () => {
  scratch = await scratchFolder();
  validFile = await scratch.write(
    'valid.yaml',
    runbookYaml('valid', `
params:
  who: { type: string, default: world }
steps:
  - id: greet
    type: shell
    with: { command: [echo, "hello \${{ params.who }}"], effect: read }
`),
  );
  invalidFile = await scratch.write(
    'invalid.yaml',
    runbookYaml('invalid', `
steps:
  - id: greet
    type: shel
    with: { command: [echo, hi] }
  - id: check
    type: assert
    with: { that: "\${{ steps.great.outputs }}" }
`),
  );
});

afterAll(() => scratch?.remove());

describe.concurrent('stepwise CLI commands', () => {
  it('--help lists the commands and the exit codes', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const command of ['validate', 'run', 'plan', 'apply', 'resume', 'runs', 'show', 'steps', 'docs', 'schema']) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    expect(stdout).toContain('Exit codes:');
    for (const exitCode of ['0', '1', '2', '3', '4', '129', '130', '131']) expect(stdout).toMatch(new RegExp(`^\\s+${exitCode}\\s+\\S`, 'm'));
  });

  it('--version prints the package version', async ({ expect }) => {
    const { version } = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it.for([
    ['an unknown command', ['deploy'], /unknown command 'deploy'/],
    ['an unknown option', ['run', 'x.yaml', '--dryrun'], /unknown option '--dryrun'/],
    ['a missing argument', ['run'], /missing required argument 'file'/],
    ['a missing file', ['run', 'no-such-runbook.yaml'], /no-such-runbook\.yaml.*no such file/s],
  ] as const)('exits 2 without a stack trace on %s', async ([, args, message], { expect }) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(STACK_TRACE_LINE);
    expect(stdout).not.toMatch(STACK_TRACE_LINE);
  });

  it('validate exits 0 for valid runbooks and says so', async ({ expect }) => {
    const hello = path.join(REPO, 'runbooks/examples/hello.yaml');
    const { code, stdout, stderr } = await runCli(['validate', validFile, hello]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`${validFile}: valid\n${hello}: valid\n`);
  });

  it('validate exits 2 and reports every problem of an invalid runbook as file:line:col, with did-you-mean', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(['validate', validFile, invalidFile]);
    expect(code).toBe(2);
    expect(stdout).toBe(`${validFile}: valid\n`);
    expect(stderr).toMatch(new RegExp(`^${escape(invalidFile)}:6:11: .*unknown step type "shel".*did you mean "shell"`, 'm'));
    expect(stderr).toMatch(new RegExp(`^${escape(invalidFile)}:10:30: .*unknown step "great".*did you mean "greet"`, 'm'));
    expect(stderr).toContain('1 of 2 runbooks invalid');
    expect(stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('steps lists every built-in step type with its effect', async ({ expect }) => {
    const { code, stdout } = await runCli(['steps']);
    expect(code).toBe(0);
    for (const type of ['shell', 'assert', 'approve', 'manual', 'set', 'sleep', 'require-tool']) expect(stdout).toMatch(new RegExp(`^${type}\\s`, 'm'));
    expect(stdout).toMatch(/^approve\s+interactive\s/m);
    expect(stdout).toMatch(/^set\s+read\s/m);
    expect(stdout).toMatch(/^shell\s+read\/write\s/m);
    expect(stdout).toMatch(/^runbook\s+as its runbook\s/m);
  });

  it('steps runbook says that its effect is that of the runbook it runs, not read', async ({ expect }) => {
    const { code, stdout } = await runCli(['steps', 'runbook']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^runbook \(what the steps of the runbook it runs do\)/);
  });

  it('steps TYPE shows the inputs of one type', async ({ expect }) => {
    const { code, stdout } = await runCli(['steps', 'shell']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^shell \(write, or read when the step says `effect: read`\)/);
    for (const input of ['command', 'shell', 'cwd', 'env', 'stdin', 'parse', 'effect']) expect(stdout).toContain(input);
  });

  it('steps with an unknown type exits 2 with did-you-mean', async ({ expect }) => {
    const { code, stderr } = await runCli(['steps', 'shel']);
    expect(code).toBe(2);
    expect(stderr).toContain('did you mean "shell"');
  });

  it('schema prints the editors\' JSON Schema, with the built-in step types', async ({ expect }) => {
    const { code, stdout } = await runCli(['schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(stdout).toContain('"shell"');
    expect(stdout).toContain('"approve"');
  });

  it('docs renders a runbook as Markdown', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(['docs', path.join(REPO, 'runbooks/examples/hello.yaml')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# /);
    expect(stdout).toContain('hello');
    expect(stdout).toContain('Say hello');
    expect(stdout).toContain('who');
    expect(stdout).not.toMatch(ANSI_ESCAPE);
  });

  it('docs of an invalid runbook exits 2 with its problems', async ({ expect }) => {
    const { code, stderr } = await runCli(['docs', invalidFile]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown step type "shel"');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
