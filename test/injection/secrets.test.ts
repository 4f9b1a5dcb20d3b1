/**
 * Secret params never show: not in progress lines, outputs, error messages (from AWS, from a
 * failed command, from an assertion, from a missing tool), plans, the journal, run.json, or
 * what `show` and `runs` print. Each check has a counterpart that proves the secret's place
 * was reached and masked, so that a step that never ran cannot pass for one that redacts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { filesUnder, secretForms } from './payloads.js';

const STACK_TRACE = /^\s+at .+|^\w*Error:|node:internal/m;
/** Shaped like a stack name, so that CloudFormation repeats it in its refusal. */
const TOKEN = 'Tok3nSecret9fXq';
const PASSWORD = `p@ss "w0rd" $(id) \${{ params.token }} 'x'`;
const SECRETS = [TOKEN, PASSWORD];

useMoto();

const RUNBOOK = `apiVersion: stepwise/v1
name: secrets
version: 1.0.0
params:
  token: { type: string, secret: true }
  password: { type: string, secret: true }
  innocent: { type: string, description: "a value that reads like a template naming the secret" }
steps:
  - id: live
    type: shell
    with: { command: [sh, -c, 'echo "live $T $P"; echo "err $T" >&2'], env: { T: "\${{ params.token }}", P: "\${{ params.password }}" }, effect: read }
    outputs: { stdout: stdout }
  - id: literal
    type: set
    with: { values: { value: "\${{ params.innocent }}", both: "\${{ params.token }}-\${{ params.password }}" } }
  - id: aws-refusal
    type: aws.cloudformation.describe-stacks
    onFailure: continue
    with: { stackName: "\${{ params.token }}" }
  - id: call-refusal
    type: aws.call
    onFailure: continue
    with: { service: cloudformation, operation: DescribeStackEvents, input: { StackName: "\${{ params.token }}" } }
  - id: failed-command
    type: shell
    onFailure: continue
    with: { command: [sh, -c, 'echo "the token is $T and $P" >&2; exit 3'], env: { T: "\${{ params.token }}", P: "\${{ params.password }}" }, effect: read }
  - id: failed-argv
    type: shell
    onFailure: continue
    with: { command: [sh, -c, 'exit 4', sh, "\${{ params.token }}", "\${{ params.password }}"], effect: read }
  - id: failed-assertion
    type: assert
    onFailure: continue
    with: { that: false, message: "refused \${{ params.token }} and \${{ params.password }}" }
  - id: missing-tool
    type: require-tool
    onFailure: continue
    with: { command: ["no-such-tool-\${{ params.token }}", --version], install: "ask for \${{ params.password }}" }
  - id: write
    type: shell
    with: { command: [printf, "%s %s", "\${{ params.token }}", "\${{ params.password }}"] }
outputs:
  token: "\${{ params.token }}"
  echoed: "\${{ steps.live.outputs.stdout }}"
  innocent: "\${{ steps.literal.outputs.value }}"
  both: "\${{ steps.literal.outputs.both }}"
`;

interface RunDocument {
  runId: string;
  status: string;
  outputs: Record<string, unknown>;
  steps: { id: string; status: string; error?: { message: string; details?: string } }[];
}

describeMoto('secrets in every output of a run', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'stepwise-injection-secrets-'));
  const stateDir = path.join(folder, 'state');
  const runbook = path.join(folder, 'secrets.yaml');
  const params = ['-p', `token=${TOKEN}`, '-p', `password=${PASSWORD}`, '-p', `innocent=\${{ params.token }}`];
  const printed: { command: string; result: CliResult }[] = [];
  const stepwise = async (...args: string[]) => {
    const result = await runCli(args, { env: { NO_COLOR: '1' } });
    printed.push({ command: args.slice(0, 2).join(' '), result });
    return result;
  };
  let run: RunDocument;
  let human: CliResult;
  let plan: CliResult;

  beforeAll(async () => {
    writeFileSync(runbook, RUNBOOK);
    run = JSON.parse((await stepwise('run', runbook, '--json', '--yes', '--state-dir', stateDir, ...params)).stdout) as RunDocument;
    human = await stepwise('run', runbook, '--yes', '--state-dir', stateDir, ...params);
    plan = await stepwise('plan', runbook, ...params);
    await stepwise('plan', runbook, '--json', ...params);
    await stepwise('show', run.runId, '--state-dir', stateDir);
    await stepwise('show', run.runId, '--json', '--state-dir', stateDir);
    await stepwise('runs', '--state-dir', stateDir);
  }, 180_000);

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('shows no secret in anything stepwise printed', () => {
    for (const { command, result } of printed) {
      for (const secret of SECRETS.flatMap(secretForms)) {
        expect(result.stdout, `stdout of ${command}`).not.toContain(secret);
        expect(result.stderr, `stderr of ${command}`).not.toContain(secret);
      }
      expect(result.stderr, command).not.toMatch(STACK_TRACE);
    }
  });

  it('stores no secret in the state folder: journal, run record, anything else', () => {
    const files = filesUnder(stateDir);
    expect(files.map(({ file }) => path.basename(file))).toContain('journal.ndjson');
    for (const { file, text } of files) {
      for (const secret of SECRETS.flatMap(secretForms)) expect(text, file).not.toContain(secret);
    }
  });

  it('masks the secrets where they were: outputs, progress lines and the plan', () => {
    expect(run.outputs).toMatchObject({ token: '***', echoed: 'live *** ***', both: '***-***' });
    expect(human.stderr + human.stdout).toContain('live *** ***');
    expect(plan.stdout + plan.stderr).toContain('printf');
    expect(plan.stdout + plan.stderr).toContain('***');
  });

  it('keeps a value that reads like a template naming the secret as the text it is', () => {
    expect(run.outputs.innocent).toBe('${{ params.token }}');
  });

  it('ran the command whose argv holds the secrets, whose failure names only the program', () => {
    expect(run.steps.find((step) => step.id === 'failed-argv')?.error?.message).toMatch(/^`sh` exited with code 4/);
  });

  it.each(['aws-refusal', 'call-refusal', 'failed-command', 'failed-assertion', 'missing-tool'])('masks the secrets in the error of %s', (id) => {
    const step = run.steps.find((candidate) => candidate.id === id);
    expect(step?.status).toBe('failed');
    expect(`${step?.error?.message}\n${step?.error?.details ?? ''}`).toContain('***');
  });
});
