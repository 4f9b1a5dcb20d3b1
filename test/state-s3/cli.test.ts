import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, runCli, startCli, workspace, type CliResult, type Workspace } from '../support/cli.js';
import { EFFECT_SCRIPT, readEffects } from '../durable/support/effects.js';
import { gatedRunbook, WAIT_SCRIPT } from '../durable/support/gated.js';
import { startFakeAws } from '../support/fake-aws.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { everyObject, listKeys, newBucket, testS3, writeObject } from './support/s3.js';

const moto = useMoto();

/** A checkout of the team's repository: the gated runbook and its scripts, on some machine. */
function checkout(runbook = gatedRunbook()): Workspace & { runbook: string; env: { EFFECTS_FILE: string } } {
  const ws = workspace();
  const file = ws.write('gated.yaml', runbook);
  ws.write('effect.sh', EFFECT_SCRIPT);
  ws.write('wait-for.sh', WAIT_SCRIPT);
  return Object.assign(ws, { runbook: file, env: { EFFECTS_FILE: ws.file('effects.log') } });
}

function runIdOf(result: CliResult): string {
  const match = /to resume: stepwise resume (\S+)/.exec(result.stderr);
  if (!match) throw new Error(`no resume command in:\n${result.printed}`);
  return match[1]!;
}

describeMoto('stepwise with its state in S3', () => {
  let s3: S3Client;
  let bucket: string;

  beforeAll(async () => {
    s3 = testS3(moto.url);
    bucket = await newBucket(s3, 'team-runs');
  });

  it('lists and shows a run, and resumes it on another machine from the same path in another checkout', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const state = `s3://${bucket}/team`;
    const laptop = checkout();
    const first = await runCli(['run', 'gated.yaml', '--state', state], { cwd: laptop.dir, env: laptop.env });
    expect(first.code, first.printed).toBe(1);
    const runId = runIdOf(first);
    expect(first.stderr).toContain(`to resume: stepwise resume ${runId} --state ${state}\n`);

    const listed = await runCli(['runs', '--state', state], { cwd: laptop.dir });
    expect(listed.code, listed.printed).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${runId}\\s+gated\\s+1\\.0\\.0\\s+failed\\s`, 'm'));
    const shown = await runCli(['show', runId, '--json', '--state', state], { cwd: laptop.dir });
    expect(JSON.parse(shown.stdout)).toMatchObject({ runId, status: 'failed', steps: [{ id: 'one', status: 'succeeded' }, { id: 'gate', status: 'failed' }] });

    // The morning after, a colleague's machine: another checkout, the state from the environment.
    rmSync(laptop.runbook);
    const desktop = checkout();
    writeFileSync(desktop.file('allow'), '');
    writeFileSync(desktop.file('go'), '');
    const resumed = await runCli(['resume', runId], { cwd: desktop.dir, env: { ...desktop.env, STEPWISE_STATE: state } });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(resumed.stderr).toContain(`the runbook is not at ${laptop.runbook} on this machine; following ${desktop.runbook}`);
    expect(readEffects(desktop.env.EFFECTS_FILE).map((effect) => effect.label), 'the step that had succeeded did not run again').toEqual(['last']);
    expect(readEffects(laptop.env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one']);

    // Anyone below a folder whose stepwise.config.yaml names the state sees the run, finished.
    const elsewhere = workspace();
    elsewhere.write('stepwise.config.yaml', `# the team's runs\nstate: ${state}\n`);
    elsewhere.write('runbooks/team/.keep', '');
    const fromConfig = await runCli(['runs', '--json'], { cwd: elsewhere.file('runbooks/team') });
    expect(fromConfig.code, fromConfig.printed).toBe(0);
    expect(JSON.parse(fromConfig.stdout)).toEqual([expect.objectContaining({ runId, status: 'succeeded', runbook: 'gated' })]);
    expect(await listKeys(s3, bucket, `team/runs/${runId}/lock`), 'the resume released the lock').toEqual([]);
  });

  it('refuses to resume with a runbook that differs from the one the run started with', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const state = `s3://${bucket}/changed`;
    const laptop = checkout();
    const runId = runIdOf(await runCli(['run', laptop.runbook, '--state', state], { cwd: laptop.dir, env: laptop.env }));
    const desktop = checkout(gatedRunbook('1.0.1'));
    writeFileSync(desktop.file('allow'), '');

    const refused = await runCli(['resume', runId, '--state', state, '--runbook', desktop.runbook], { cwd: desktop.dir, env: desktop.env });

    expect(refused.code, refused.printed).toBe(2);
    expect(refused.stderr).toContain(`the runbook ${desktop.runbook} changed since run ${runId} started:\n  version 1.0.0 → 1.0.1`);
    expectNoStackTrace(refused.printed);
  });

  it('lets exactly one of two simultaneous resumes proceed; the other names the holder', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const state = `s3://${bucket}/contended`;
    const ws = checkout();
    const runId = runIdOf(await runCli(['run', ws.runbook, '--state', state], { cwd: ws.dir, env: ws.env }));
    writeFileSync(ws.file('allow'), '');
    const resumes = [0, 1].map(() => startCli(['resume', runId, '--state', state], { cwd: ws.dir, env: ws.env }));
    const loser = await Promise.race(resumes.map((cli) => cli.done.then((result) => ({ cli, result }))));
    const winner = resumes.find((cli) => cli !== loser.cli)!;
    writeFileSync(ws.file('go'), '');
    const won = await winner.done;

    expect(won.code, won.printed).toBe(0);
    expect(loser.result.code, loser.result.printed).toBe(2);
    expect(loser.result.stderr).toMatch(new RegExp(`the run ${state}/runs/${runId}/ is being driven by process ${winner.child.pid} on \\S+ since \\S+;`));
    expect(readEffects(ws.env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one', 'last']);
  });

  it('never writes a secret param to S3, not even as a key of a parsed document or a line of a failure', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const state = `s3://${bucket}/secrets`;
    const ws = workspace();
    ws.write(
      'secretive.yaml',
      `apiVersion: stepwise/v1
name: secretive
version: 1.0.0
params:
  token: { type: string, secret: true }
steps:
  - id: use
    type: shell
    with: { command: [sh, -c, 'echo "token is $1"', sh, "\${{ params.token }}"] }
    outputs: { said: stdout }
  - id: keyed
    type: shell
    with: { command: [node, -e, 'console.log(JSON.stringify({ [process.argv[1]]: 1 }))', "\${{ params.token }}"], parse: json, effect: read }
  - id: gate
    type: shell
    with: { command: [sh, -c, 'test -e allow || { printf "%s\\n" "$1" >&2; exit 1; }', sh, "\${{ params.token }}"] }
`,
    );
    const token = `tok-"${randomBytes(8).toString('hex')}\nline-two-${randomBytes(8).toString('hex')}`;
    const run = await runCli(['run', 'secretive.yaml', '-p', `token=${token}`, '--state', state], { cwd: ws.dir });
    expect(run.code, run.printed).toBe(1);
    const objects = await everyObject(s3, bucket);
    const stored = [...objects].filter(([key]) => key.startsWith('secrets/'));
    expect(stored.some(([, body]) => body.includes('token is ***')), 'the step output is stored, redacted').toBe(true);
    expect(stored.some(([, body]) => body.includes('"parsed":{"***":1}')), 'the parsed document is stored, its key masked').toBe(true);
    for (const leak of [token, JSON.stringify(token).slice(1, -1), ...token.split('\n')]) {
      expect(stored.filter(([, body]) => body.includes(leak)).map(([key]) => key), leak).toEqual([]);
    }
  });

  it('says clearly when the bucket does not exist, with exit 2 and no stack trace', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const ws = checkout();
    const result = await runCli(['run', ws.runbook, '--state', 's3://no-such-team-bucket/runs'], { cwd: ws.dir, env: ws.env });
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toContain('stepwise: the state bucket "no-such-team-bucket" does not exist (s3://no-such-team-bucket/runs): create it, or point --state');
    expectNoStackTrace(result.printed);
    expect(readEffects(ws.env.EFFECTS_FILE), 'nothing ran').toEqual([]);
  });

  it('refuses a prefix that holds something else', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    await writeObject(s3, bucket, 'backups/db.tar', 'not stepwise');
    const ws = checkout();
    for (const args of [['runs'], ['run', ws.runbook]]) {
      const result = await runCli([...args, '--state', `s3://${bucket}/backups`], { cwd: ws.dir, env: ws.env });
      expect(result.code, result.printed).toBe(2);
      expect(result.stderr).toContain(`s3://${bucket}/backups holds other objects (such as s3://${bucket}/backups/db.tar) and no stepwise-state.json: it is not a stepwise state store`);
      expectNoStackTrace(result.printed);
    }
    expect(await listKeys(s3, bucket, 'backups/')).toEqual(['backups/db.tar']);
  });

  it('says which permission is missing when S3 denies access', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const fake = await startFakeAws();
    fake.handle = () => ({ status: 403, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>fake</RequestId></Error>' });
    try {
      const ws = workspace();
      const result = await runCli(['runs', '--state', 's3://locked-down/team'], { cwd: ws.dir, env: { AWS_ENDPOINT_URL: fake.url } });
      expect(result.code, result.printed).toBe(2);
      expect(result.stderr).toContain(
        'stepwise: access denied to the state in s3://locked-down/team: the default AWS credentials may not s3:GetObject on s3://locked-down/team/stepwise-state.json. The state needs s3:ListBucket on the bucket and s3:GetObject, s3:PutObject and s3:DeleteObject under the prefix;',
      );
      expectNoStackTrace(result.printed);
    } finally {
      await fake.close();
    }
  });

  it.each([
    [['--state', 's3://Team_Bucket/x'], '--state: s3://Team_Bucket/x: "Team_Bucket" is not a bucket name'],
    [['--state', 's3://team-bucket/x?lock-tll=5s'], '--state: s3://team-bucket/x?lock-tll=5s: unknown setting "lock-tll"; did you mean "lock-ttl"?'],
    [['--state', 'gs://team-bucket/x'], '--state: stepwise cannot keep runs in gs:// addresses (gs://team-bucket/x); allowed: s3://..., a folder'],
    [['--state', 's3://team-bucket/x', '--state-dir', 'here'], '--state and --state-dir both say where runs are kept: give one of them'],
  ])('refuses a bad state address %j with exit 2', { timeout: CLI_TESTS_TIMEOUT_MS }, async (args, message) => {
    const ws = workspace();
    const result = await runCli(['runs', ...args], { cwd: ws.dir });
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toContain(`stepwise: ${message}`);
    expectNoStackTrace(result.printed);
  });

  it('points at the line of a stepwise.config.yaml that has a setting it does not know', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const ws = workspace();
    const config = ws.write('stepwise.config.yaml', `state: s3://${bucket}/team\nstat: elsewhere\n`);
    const result = await runCli(['runs'], { cwd: ws.dir });
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toContain(`stepwise: ${config}:2:1: unknown setting "stat"; did you mean "state"?`);
  });
});
