import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ANSI_ESCAPE, runCli, runbookYaml, scratchFolder, STACK_TRACE_LINE } from '../support/cli.js';

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
const files: Record<string, string> = {};

/** Prints its arguments as a JSON list: what the program really received. */
const PRINT_ARGV = 'process.stdout.write(JSON.stringify(process.argv.slice(1)))';

beforeAll(async () => {
  scratch = await scratchFolder();
  const node = JSON.stringify(process.execPath);
  const write = async (name: string, body: string) => void (files[name] = await scratch.write(`${name}.yaml`, runbookYaml(name, body)));
  await write('succeeds', `
params:
  who: { type: string, default: world }
steps:
  - id: greet
    type: shell
    with: { command: [echo, "hello \${{ params.who }}"], effect: read }
    outputs: { greeting: stdout }
  - id: remember
    type: set
    with: { values: { who: "\${{ params.who }}" } }
    outputs: { who: who }
outputs:
  greeting: "\${{ steps.greet.outputs.greeting }}"
`);
  await write('fails', `
steps:
  - id: breaks
    type: shell
    with: { command: [sh, -c, "echo going wrong >&2; exit 4"], effect: read }
  - id: never
    type: shell
    with: { command: [echo, never], effect: read }
`);
  await write('approves', `
steps:
  - id: approve
    type: approve
    with: { message: "Update the production stack?" }
  - id: after
    type: shell
    with: { command: [echo, approved], effect: read }
    outputs: { said: stdout }
`);
  await write('plans', `
params:
  system: { type: string }
  token: { type: string, secret: true, required: false }
steps:
  - id: look
    type: shell
    with: { command: [echo, '{"stack": "\${{ params.system }}-compute"}'], parse: json, effect: read }
    outputs: { stack: parsed.stack }
  - id: create
    type: shell
    with: { command: [touch, "\${{ steps.look.outputs.stack }}.created"] }
    outputs: { created: stdout }
  - id: report
    type: shell
    with: { command: [echo, "\${{ steps.create.outputs.created }}"], effect: read }
outputs:
  stack: "\${{ steps.look.outputs.stack }}"
  created: "\${{ steps.create.outputs.created }}"
`);
  await write('argv', `
params:
  value: { type: string }
steps:
  - id: list
    type: shell
    with: { command: [${node}, -e, "${PRINT_ARGV}", "\${{ params.value }}"], parse: json, effect: read }
    outputs: { argv: parsed }
  - id: script
    type: shell
    with: { command: ['${node} -e "${PRINT_ARGV}" "$1"', "\${{ params.value }}"], shell: true, parse: json, effect: read }
    outputs: { argv: parsed }
`);
  await write('argv-string', `
params:
  value: { type: string }
steps:
  - id: quoted
    type: shell
    with: { command: '${node} -e "${PRINT_ARGV}" "\${{ params.value }}"', parse: json, effect: read }
    outputs: { argv: parsed }
`);
});

afterAll(() => scratch?.remove());

/** `run` arguments that keep the run's state inside the scratch folder. */
const inScratch = (...args: string[]) => [...args, '--state-dir', path.join(scratch.dir, 'state')];

describe.concurrent('stepwise run', () => {
  it('exits 0 when every step succeeds', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(inScratch('run', files.succeeds!), { cwd: scratch.dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/✔ greet/);
    expect(stdout).toMatch(/✔ succeeded/);
  });

  it('exits 1 when a step fails, saying which and why, and runs nothing after it', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(inScratch('run', files.fails!), { cwd: scratch.dir });
    expect(code).toBe(1);
    expect(stderr).toContain('step "breaks" failed');
    expect(stderr).toContain('exited with code 4');
    expect(stderr + stdout).toContain('going wrong');
    expect(stdout).not.toContain('never');
    expect(stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('exits 3 at an approval with --no-wait when there is no terminal and no --yes, saying how to approve', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(inScratch('run', files.approves!, '--no-wait'), { cwd: scratch.dir });
    expect(code).toBe(3);
    expect(stderr + stdout).toContain('--yes');
    expect(stdout).not.toContain('✔ after');
  });

  it('approves with --yes and exits 0', async ({ expect }) => {
    const { code, stdout } = await runCli(inScratch('run', files.approves!, '--yes', '--json'), { cwd: scratch.dir });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'succeeded', steps: [{ id: 'approve', status: 'succeeded' }, { id: 'after', status: 'succeeded', outputs: { said: 'approved' } }] });
  });

  it('--json prints { runId, runbook, version, dryRun, params, status, outputs, steps: [{ id, type, status, outputs }] } on stdout', async ({ expect }) => {
    const { code, stdout } = await runCli(inScratch('run', files.succeeds!, '--json', '-p', 'who=json'), { cwd: scratch.dir });
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['runId', 'runbook', 'version', 'dryRun', 'params', 'status', 'outputs', 'steps']);
    expect(result.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(result).toMatchObject({ runbook: 'succeeds', dryRun: false, params: { who: 'json' }, status: 'succeeded' });
    expect(result.outputs).toEqual({ greeting: 'hello json' });
    expect(result.steps).toEqual([
      { id: 'greet', type: 'shell', status: 'succeeded', outputs: { greeting: 'hello json' } },
      { id: 'remember', type: 'set', status: 'succeeded', outputs: { who: 'json' } },
    ]);
  });

  it('--json of a failed run holds the failure', async ({ expect }) => {
    const { code, stdout } = await runCli(inScratch('run', files.fails!, '--json'), { cwd: scratch.dir });
    expect(code).toBe(1);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ status: 'failed', outputs: null, failure: { stepId: 'breaks', code: 'exit-code' } });
    expect(result.steps).toEqual([
      expect.objectContaining({ id: 'breaks', status: 'failed', outputs: null }),
      { id: 'never', type: 'shell', status: 'not-run', outputs: null },
    ]);
  });

  it('plan --json runs read steps, plans write steps with resolved input, shows what depends on them, and changes nothing', async ({ expect }) => {
    const token = 'tok-never-shown-1234';
    const { code, stdout, stderr } = await runCli(['plan', files.plans!, '--json', '-p', 'system=prod', '-p', `token=${token}`], { cwd: scratch.dir });
    expect(code).toBe(0);
    expect(existsSync(path.join(scratch.dir, 'prod-compute.created'))).toBe(false);
    expect(stdout + stderr).not.toContain(token);
    const plan = JSON.parse(stdout) as { [key: string]: unknown; steps: Record<string, unknown>[] };
    expect(plan).toMatchObject({ runbook: 'plans', version: '1.2.3', dryRun: true, status: 'planned', params: { system: 'prod', token: '***' } });
    expect(plan.outputs).toEqual({ stack: 'prod-compute', created: '<depends on create>' });
    const [look, create, report] = plan.steps;
    expect(look).toEqual({ id: 'look', type: 'shell', status: 'succeeded', outputs: { stack: 'prod-compute' } });
    expect(create).toMatchObject({ id: 'create', type: 'shell', status: 'planned', dependsOn: ['create'] });
    expect(create!.plans).toEqual([
      {
        status: 'planned',
        input: { command: ['touch', 'prod-compute.created'] },
        plan: { summary: 'touch prod-compute.created', details: expect.stringContaining(`cwd: ${scratch.dir}`) },
      },
    ]);
    expect(report).toMatchObject({ id: 'report', status: 'depends', dependsOn: ['create'] });
    expect(report!.plans).toEqual([{ status: 'depends', input: { command: ['echo', '<depends on create>'], effect: 'read' }, dependsOn: ['create'] }]);
  });

  it('passes a parameter with shell metacharacters to the command as one literal argument', async ({ expect }) => {
    const marker = path.join(scratch.dir, 'injected');
    const value = `a;b $(touch ${marker}) "c" 'd' \`touch ${marker}\` | rm -rf ~ & > out`;
    const { code, stdout, stderr } = await runCli(inScratch('run', files.argv!, '--json', '-p', `value=${value}`), { cwd: scratch.dir });
    expect(stderr).not.toMatch(STACK_TRACE_LINE);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { steps: { id: string; outputs: { argv: string[] } }[] };
    expect(result.steps.map((step) => [step.id, step.outputs.argv])).toEqual([
      ['list', [value]],
      ['script', [value]],
    ]);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(scratch.dir, 'out'))).toBe(false);
  });

  it('passes a parameter to a string command as one literal argument, whatever quotes or spaces it holds', async ({ expect }) => {
    const marker = path.join(scratch.dir, 'injected-string');
    const value = `a b" --flag "c $(touch ${marker}) 'd'`;
    const { code, stdout } = await runCli(inScratch('run', files['argv-string']!, '--json', '-p', `value=${value}`), { cwd: scratch.dir });
    const result = JSON.parse(stdout) as { steps: { id: string; status: string; outputs: { argv: string[] } | null; error?: unknown }[] };
    expect(result.steps[0], JSON.stringify(result.steps[0]?.error)).toMatchObject({ status: 'succeeded', outputs: { argv: [value] } });
    expect(code).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('exits 2 for an unknown -p parameter, with did-you-mean, before running anything', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(inScratch('run', files.succeeds!, '-p', 'woh=x'), { cwd: scratch.dir });
    expect(code).toBe(2);
    expect(stderr).toContain('unknown parameter "woh"; did you mean "who"?');
    expect(stdout).not.toContain('greet');
    expect(stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('exits 2 for a -p argument without key=value', async ({ expect }) => {
    const { code, stderr } = await runCli(['plan', files.plans!, '-p', 'system=prod', '-p', 'nope'], { cwd: scratch.dir });
    expect(code).toBe(2);
    expect(stderr).toContain('-p nope: expected key=value');
  });

  it('prints no ANSI escapes when stdout is not a terminal, or with NO_COLOR', async ({ expect }) => {
    const [pipedFailure, pipedPlan, noColor, forced] = await Promise.all([
      runCli(inScratch('run', files.fails!), { cwd: scratch.dir, env: { NO_COLOR: undefined } }),
      runCli(['plan', files.plans!, '-p', 'system=x'], { cwd: scratch.dir, env: { NO_COLOR: undefined } }),
      runCli(inScratch('run', files.fails!), { cwd: scratch.dir, env: { NO_COLOR: '1', FORCE_COLOR: '1' } }),
      runCli(inScratch('run', files.fails!), { cwd: scratch.dir, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }),
    ]);
    expect(pipedFailure.stdout + pipedFailure.stderr, 'piped run').not.toMatch(ANSI_ESCAPE);
    expect(pipedPlan.stdout + pipedPlan.stderr, 'piped plan').not.toMatch(ANSI_ESCAPE);
    expect(noColor.stdout + noColor.stderr, 'NO_COLOR beats FORCE_COLOR').not.toMatch(ANSI_ESCAPE);
    expect(forced.stdout, 'FORCE_COLOR=1 should colour, or this test proves nothing').toMatch(ANSI_ESCAPE);
  });
});
