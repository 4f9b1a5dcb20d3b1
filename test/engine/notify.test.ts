/**
 * `notify:` (engine/notify/): who hears that a run waits at an approval, failed or succeeded.
 * The announcer is fed events directly here, as the approvals of issue 16 emit them; the
 * finished notifications of a real run are in test/notify/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWebhookInbox, type WebhookInbox } from '../support/webhook-inbox.js';
import { prepareAnnouncer } from '../../engine/cli/prepare-announcer.js';
import type { Runbook } from '../../engine/document/runbook.js';
import { UsageError } from '../../engine/exit-codes.js';
import type { RunEvent } from '../../engine/execute/events.js';
import { Announcer } from '../../engine/notify/announcer.js';
import type { Notification, NotifyChannel } from '../../engine/notify/notify-channel.js';
import { notifyTargets, resolveTargets } from '../../engine/notify/notify-targets.js';
import { webhookChannel } from '../../engine/notify/webhook-channel.js';
import { StepRegistry } from '../../engine/registry.js';
import { Redactor } from '../../engine/secrets.js';

const SECRET = 'hunter2-the-token';
const HOOK_SECRET = 'T000-B000-xyzzy-hook-path';

let inbox: WebhookInbox;
let base: string;

beforeAll(async () => {
  inbox = await openWebhookInbox();
  base = inbox.base;
});

afterAll(async () => {
  await inbox?.close();
});

const waiting: Extract<RunEvent, { type: 'approval-waiting' }> = {
  type: 'approval-waiting',
  stepId: 'approve-update',
  message: `Update prod with token ${SECRET}?`,
  approvers: ['arn:aws:iam::123456789012:role/ops-*', 'alice'],
  minApprovals: 2,
  command: 'stepwise approve 20261203-101500-ab12 --step approve-update --state s3://runs/team',
  at: '2026-12-03T10:15:00.000Z',
};

const FACTS = { runbook: 'update-prod', version: '1.4.0', runId: '20261203-101500-ab12', by: 'ops@bastion' };

function announcerFor(targets: ReturnType<typeof resolveTargets>['targets'], redactor: Redactor, warnings: string[]): Announcer {
  return new Announcer({ targets, facts: FACTS, redactor, settings: () => ({}), warn: (message) => warnings.push(message) });
}

function resolved(value: Parameters<typeof notifyTargets>[0], channels: readonly NotifyChannel[] = [webhookChannel], params = {}) {
  return resolveTargets(notifyTargets(value, channels, "the runbook's notify"), { data: { params, env: {} }, unknownSteps: new Map() });
}

describe('the waiting notification', () => {
  it('says who may approve and the approve command, with no secret, to a webhook whose address is a secret', async () => {
    inbox.heard.length = 0;
    const url = `${base}/services/${HOOK_SECRET}`;
    const redactor = new Redactor();
    redactor.add(SECRET);
    redactor.add(url);
    const { targets, problems } = resolved({ webhook: '${{ params.hook }}' }, [webhookChannel], { hook: url });
    expect(problems).toEqual([]);
    const warnings: string[] = [];
    await announcerFor(targets, redactor, warnings).onEvent(waiting);
    expect(warnings).toEqual([]);
    expect(inbox.heard).toHaveLength(1);
    const { text, stepwise } = inbox.heard[0]!.body;
    expect(text).toContain('Runbook update-prod 1.4.0, run 20261203-101500-ab12, waits for approval at step "approve-update".');
    expect(text).toContain('Who may approve: arn:aws:iam::123456789012:role/ops-*, alice (2 approvals needed).');
    expect(text).toContain(`To approve: ${waiting.command}`);
    expect(text).toContain('Update prod with token ***?');
    expect(stepwise).toMatchObject({ event: 'waiting', status: 'waiting', step: 'approve-update', approvers: waiting.approvers, minApprovals: 2, approve: waiting.command, runId: FACTS.runId });
    const all = JSON.stringify(inbox.heard[0]!.body);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(HOOK_SECRET);
  });

  it('goes only to the targets that hear it', async () => {
    inbox.heard.length = 0;
    const { targets } = resolved([
      { webhook: `${base}/failures`, on: ['failed'] },
      { webhook: `${base}/approvals`, on: ['waiting'] },
    ]);
    await announcerFor(targets, new Redactor(), []).onEvent(waiting);
    expect(inbox.heard.map((request) => request.path)).toEqual(['/approvals']);
  });

  it('other events announce nothing until the run is over, and a plan\'s end nothing at all', async () => {
    inbox.heard.length = 0;
    const { targets } = resolved({ webhook: `${base}/all` });
    const announcer = announcerFor(targets, new Redactor(), []);
    await announcer.onEvent({ type: 'step-failed', stepId: 'x', error: { message: 'no', code: 'exit-code' }, willRetry: false, durationMs: 1, at: waiting.at });
    await announcer.onEvent({ type: 'run-finished', status: 'failed', outputs: null, durationMs: 1, at: waiting.at });
    await announcer.ended({ status: 'planned', durationMs: 1 });
    expect(inbox.heard).toEqual([]);
    await announcer.ended({ status: 'failed', durationMs: 1, failure: { stepId: 'x', message: 'no', code: 'exit-code' }, resume: 'stepwise resume 20261203-101500-ab12' });
    expect(inbox.heard).toHaveLength(1);
    expect(inbox.heard[0]!.body.text).toContain('To resume: stepwise resume 20261203-101500-ab12');
  });
});

describe('a notification that cannot be delivered', () => {
  it('is a warning that names neither the secret address nor a secret, also from a channel that ignores its signal', async () => {
    const sent: Notification[] = [];
    const silent: NotifyChannel = {
      ...webhookChannel,
      name: 'silent',
      load: async () => ({ default: { send: (_address: string, notification: Notification) => (sent.push(notification), new Promise<void>(() => {})) } }),
    };
    const redactor = new Redactor();
    redactor.add(SECRET);
    const url = `${base}/services/${HOOK_SECRET}`;
    redactor.add(url);
    const targets = resolved({ silent: url, timeout: '50ms' }, [silent]).targets;
    const warnings: string[] = [];
    await announcerFor(targets, redactor, warnings).onEvent(waiting);
    expect(sent).toHaveLength(1);
    expect(warnings).toEqual([`could not notify webhook ${base}/… (the runbook's notify) that the run waits: no answer within 50ms`]);
  });

  it('a channel that throws is a warning with its reason', async () => {
    const failing: NotifyChannel = { ...webhookChannel, load: async () => ({ default: { send: async () => Promise.reject(new Error(`refused ${SECRET}`)) } }) };
    const redactor = new Redactor();
    redactor.add(SECRET);
    const warnings: string[] = [];
    await announcerFor(resolved({ webhook: `${base}/x` }, [failing]).targets, redactor, warnings).ended({ status: 'succeeded', durationMs: 5 });
    expect(warnings).toEqual([`could not notify webhook ${base}/… (the runbook's notify) that the run succeeded: refused ***`]);
  });
});

describe('notify targets', () => {
  it('one place named twice hears each event once, with the events of both', () => {
    const runbook = notifyTargets({ webhook: `${base}/same`, on: ['failed'] }, [webhookChannel], "the runbook's notify");
    const project = notifyTargets([{ webhook: `${base}/same`, on: ['waiting'] }, { webhook: `${base}/other` }], [webhookChannel], 'stepwise.config.yaml');
    const { targets } = resolveTargets([...project, ...runbook], { data: { params: {}, env: {} }, unknownSteps: new Map() });
    expect(targets.map((target) => [target.address, target.on])).toEqual([
      [`${base}/same`, ['waiting', 'failed']],
      [`${base}/other`, ['waiting', 'failed', 'succeeded']],
    ]);
  });

  it('an address that resolves to no URL is left out with a problem that does not show it', () => {
    const { targets, problems } = resolved({ webhook: '${{ params.hook }}' }, [webhookChannel], { hook: `ftp://${HOOK_SECRET}` });
    expect(targets).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('must be an http:// or https:// URL');
    expect(problems[0]).not.toContain(HOOK_SECRET);
  });
});

describe("stepwise.config.yaml's notify", () => {
  const runbook: Runbook = { apiVersion: 'stepwise/v1', name: 'update-prod', version: '1.4.0', steps: [{ id: 'a', type: 'set' }], notify: { webhook: '${{ params.hook }}', on: ['failed'] } };
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'stepwise-notify-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  function prepare(config: string, env: NodeJS.ProcessEnv = {}) {
    writeFileSync(path.join(folder, 'stepwise.config.yaml'), config);
    const redactor = new Redactor();
    const announcer = prepareAnnouncer({ runbook, registry: new StepRegistry({}), runId: FACTS.runId, params: { hook: `${base}/runbook` }, redactor, settingsOverrides: {}, env, cwd: folder });
    return { announcer, redactor };
  }

  it('is told as well as the runbook, its address from the environment and redacted from then on', async () => {
    inbox.heard.length = 0;
    const { announcer, redactor } = prepare('notify:\n  webhook: ${{ env.OPS_HOOK }}\n', { OPS_HOOK: `${base}/team/${HOOK_SECRET}` });
    expect(redactor.text(`posting to ${base}/team/${HOOK_SECRET}`)).toBe('posting to ***');
    await announcer!.ended({ status: 'failed', durationMs: 3, resume: 'stepwise resume x' });
    expect(inbox.heard.map((request) => request.path).sort()).toEqual(['/runbook', `/team/${HOOK_SECRET}`]);
  });

  it('refuses a mistake with its place in the file', () => {
    const attempt = () => prepare('state: .runs\nnotify:\n  - webhook: hooks.example.com/x\n  - sns: "${{ params.topic }}"\n');
    expect(attempt).toThrow(UsageError);
    const error = (() => {
      try {
        attempt();
      } catch (thrown) {
        return thrown as UsageError;
      }
      return undefined;
    })()!;
    const file = path.join(folder, 'stepwise.config.yaml');
    expect(error.message).toBe(`${file}: "notify" is not valid:`);
    expect(error.details).toEqual([
      `${file}:3:14: "notify[0].webhook" must be an http:// or https:// URL, or hold a \${{ }} expression that gives one (such as \${{ params.webhookUrl }}), not "hooks.example.com/x"`,
      `${file}:4:5: "notify[1]" needs "webhook"`,
      `${file}:4:5: unknown key "sns" in "notify[1]"; allowed: webhook, on, timeout`,
      `${file}:4:10: in \${{ params.topic }}: the repository's notify serves every runbook, so it may read env and run (such as \${{ env.OPS_WEBHOOK }}), not params; a runbook's own notify: may read its params`,
    ]);
  });
});
