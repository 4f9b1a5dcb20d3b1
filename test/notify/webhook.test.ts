/**
 * `notify:` end to end: the compiled CLI runs a runbook and a webhook on 127.0.0.1 hears how it
 * ended, with no secret in what it hears; a webhook that cannot be reached is a warning only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openWebhookInbox, type WebhookInbox } from '../support/webhook-inbox.js';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, runbookYaml, runCli, runFolder, workspace, type Workspace } from '../support/cli.js';

const TOKEN = 'tok-4f9a-very-secret';
const HOOK_PATH_SECRET = 'T0001-B0002-hooksecret';

let inbox: WebhookInbox;
let base: string;

beforeAll(async () => {
  inbox = await openWebhookInbox({ broken: ['/broken'], silent: ['/silent'] });
  base = inbox.base;
});

afterAll(async () => {
  await inbox?.close();
});

beforeEach(() => {
  inbox.heard.length = 0;
});

/** A port nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Prints the secret token in its command and output; fails until the file `ready` exists, so
 * that a resume can succeed. The webhook's address is a secret param.
 */
function writeRunbook(space: Workspace, notify: string): string {
  return space.write(
    'deploy.yaml',
    runbookYaml('deploy-api', `
params:
  token: { type: string, secret: true }
  hook: { type: string, secret: true }
${notify}
steps:
  - id: login
    type: shell
    with: { command: [echo, "logging in with \${{ params.token }}"], effect: read }
    outputs: { said: stdout }
  - id: deploy
    type: shell
    with: { command: [sh, -c, "test -f ready || { echo no ready file for \${{ params.token }} >&2; exit 4; }"], cwd: "${space.dir}" }
`),
  );
}

const SECRET_ENV = (hook: string) => ({ STEPWISE_PARAM_TOKEN: TOKEN, STEPWISE_PARAM_HOOK: hook });

function expectNoSecret(text: string): void {
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(HOOK_PATH_SECRET);
}

describe('a webhook hears how a run ended', () => {
  it('a failure with the step, its error and the exact resume line; then the resume that succeeds', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const space = workspace();
    const file = writeRunbook(space, 'notify:\n  webhook: "${{ params.hook }}"');
    const hook = `${base}/services/${HOOK_PATH_SECRET}`;
    const failed = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir, env: SECRET_ENV(hook) });
    expect(failed.code, failed.printed).toBe(1);
    const runId = onlyRunId(space.stateDir);
    expect(inbox.heard).toHaveLength(1);
    const failure = inbox.heard[0]!;
    expect(failure.path).toBe(`/services/${HOOK_PATH_SECRET}`);
    expect(failure.body.text).toContain(`Runbook deploy-api 1.2.3, run ${runId}, failed after`);
    expect(failure.body.text).toContain('Step "deploy": `sh` exited with code 4');
    expect(failure.body.text).toContain('no ready file for ***');
    expect(failure.body.text).toContain(`To resume: stepwise resume ${runId} --state-dir ${space.stateDir}`);
    expect(failure.body.stepwise).toMatchObject({ event: 'failed', status: 'failed', runbook: 'deploy-api', version: '1.2.3', runId, step: 'deploy', resume: `stepwise resume ${runId} --state-dir ${space.stateDir}` });
    expectNoSecret(failure.raw);
    expectNoSecret(failed.printed);
    expectNoSecret(readFileSync(path.join(runFolder(space.stateDir, runId), 'journal.ndjson'), 'utf8'));

    space.write('ready', '');
    const resumed = await runCli(['resume', runId, '--state-dir', space.stateDir], { cwd: space.dir, env: SECRET_ENV(hook) });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(inbox.heard).toHaveLength(2);
    const success = inbox.heard[1]!;
    expect(success.body.text).toContain(`Runbook deploy-api 1.2.3, run ${runId}, succeeded after`);
    expect(success.body.text).not.toContain('To resume');
    expect(success.body.stepwise).toMatchObject({ event: 'succeeded', status: 'succeeded', runId });
    expectNoSecret(success.raw);
  });

  it('a success, to the runbook\'s target and the repository\'s, each told only what it listens for', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const space = workspace();
    space.write('ready', '');
    space.write('stepwise.config.yaml', `notify:\n  - webhook: "${base}/team/\${{ env.TEAM_HOOK_KEY }}"\n  - webhook: "${base}/team-failures"\n    on: [failed]\n`);
    const file = writeRunbook(space, 'notify:\n  - webhook: "${{ params.hook }}"\n    on: [succeeded]');
    const result = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir, env: { ...SECRET_ENV(`${base}/own/${HOOK_PATH_SECRET}`), TEAM_HOOK_KEY: 'team-key-1234' } });
    expect(result.code, result.printed).toBe(0);
    const runId = onlyRunId(space.stateDir);
    expect(inbox.heard.map((request) => request.path).sort()).toEqual([`/own/${HOOK_PATH_SECRET}`, '/team/team-key-1234']);
    for (const request of inbox.heard) {
      expect(request.body.text).toContain(`Runbook deploy-api 1.2.3, run ${runId}, succeeded after`);
      expectNoSecret(request.raw);
    }
    expectNoSecret(result.printed);
  });

  it('a plan announces nothing', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const space = workspace();
    const file = writeRunbook(space, 'notify:\n  webhook: "${{ params.hook }}"');
    for (const args of [['plan', file], ['run', file, '--dry-run']]) {
      const result = await runCli(args, { cwd: space.dir, env: SECRET_ENV(`${base}/services/${HOOK_PATH_SECRET}`) });
      expect(result.code, result.printed).toBe(0);
    }
    expect(inbox.heard).toEqual([]);
    expect(existsSync(space.stateDir)).toBe(false);
  });
});

describe('a webhook hears that a run waits', () => {
  it('for approvals the operator may not give: it says so, also with no approvers named', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const space = workspace();
    space.write('gate.yaml', runbookYaml('gate', `
notify: { webhook: ${base}/waits }
steps:
  - id: sign-off
    type: approve
    with: { message: "Go on?", allowSelfApproval: false, minApprovals: 2 }
`));
    const stopped = await runCli(['run', 'gate.yaml', '--state-dir', space.stateDir, '--no-wait'], { cwd: space.dir });
    expect(stopped.code, stopped.printed).toBe(3);
    const me = `${os.userInfo().username}@${os.hostname()}`;
    expect(stopped.stdout).toContain(`waiting for 2 approvals by anyone who can reach the run's state (not ${me}, who runs it), at most 24h: Go on?`);
    expect(inbox.heard).toHaveLength(1);
    expect(inbox.heard[0]!.body.text).toContain(`Who may approve: anyone who can reach the run's state (not ${me}, who runs it) (2 approvals needed).`);
    expect(inbox.heard[0]!.body.stepwise).toMatchObject({ event: 'waiting', approvers: [], minApprovals: 2, allowSelfApproval: false });
  });
});

describe('a webhook that cannot be reached', () => {
  it('is a warning each, and the run succeeds with exit 0', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const space = workspace();
    space.write('ready', '');
    const closed = `http://127.0.0.1:${await closedPort()}/hooks/${HOOK_PATH_SECRET}`;
    const file = writeRunbook(space, `notify:
  - webhook: "\${{ params.hook }}"
  - webhook: ${base}/broken
  - webhook: ${base}/silent
    timeout: 1s
  - webhook: ${base}/heard`);
    const result = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir, env: SECRET_ENV(closed) });
    expect(result.code, result.printed).toBe(0);
    expectNoStackTrace(result.printed);
    expectNoSecret(result.printed);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('stepwise: warning:')).sort();
    const origin = closed.slice(0, closed.indexOf('/hooks'));
    expect(warnings).toEqual(
      [
        `stepwise: warning: could not notify webhook ${origin}/… (the runbook's notify) that the run succeeded: connection refused`,
        `stepwise: warning: could not notify webhook ${base}/… (the runbook's notify) that the run succeeded: it answered HTTP 500 Internal Server Error`,
        `stepwise: warning: could not notify webhook ${base}/… (the runbook's notify) that the run succeeded: no answer within 1.0s`,
      ].sort(),
    );
    expect(inbox.unanswered()).toBeGreaterThan(0);
    expect(inbox.heard.map((request) => request.path)).toEqual(['/heard']);
  });
});
