/**
 * `notify: { sns: TOPIC_ARN }` against moto: the run publishes how it ended to the topic, with a
 * Subject and the text, and no secret; a topic it cannot publish to is a warning only.
 */
import { expect, it } from 'vitest';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, runbookYaml, runCli, workspace, type Workspace } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';

const moto = useMoto();
const TOKEN = 'tok-sns-3e1f-secret';

/** moto's own record of what was published to a topic: [id, message, subject, attributes, group]. */
type SentNotification = [string, string, string | null, unknown, string | null];

async function createTopic(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const sns = new SNSClient({ endpoint: moto.url, region: moto.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    return (await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }))).TopicArn!;
  } finally {
    sns.destroy();
  }
}

async function publishedTo(topicArn: string): Promise<SentNotification[]> {
  const data = (await (await fetch(`${moto.url}/moto-api/data.json`)).json()) as { sns?: { Topic?: { arn: string; sent_notifications: SentNotification[] }[] } };
  return data.sns?.Topic?.find((topic) => topic.arn === topicArn)?.sent_notifications ?? [];
}

function writeRunbook(space: Workspace, notify: string): string {
  return space.write(
    'rotate.yaml',
    runbookYaml('rotate-keys', `
params:
  token: { type: string, secret: true }
  topic: { type: string }
${notify}
steps:
  - id: rotate
    type: shell
    with: { command: [sh, -c, "echo rotating with \${{ params.token }}; test -f ready || { echo not ready for \${{ params.token }} >&2; exit 2; }"], cwd: "${space.dir}" }
`),
  );
}

describeMoto('notify to an SNS topic', () => {
  it('publishes a failure with its resume line, then the resumed success, each with a subject and no secret', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const topicArn = await createTopic('ops-runs');
    const space = workspace();
    const file = writeRunbook(space, 'notify:\n  sns: "${{ params.topic }}"');
    const env = { STEPWISE_PARAM_TOKEN: TOKEN };
    const failed = await runCli(['run', file, '-p', `topic=${topicArn}`, '--state-dir', space.stateDir], { cwd: space.dir, env });
    expect(failed.code, failed.printed).toBe(1);
    expect(failed.stderr).not.toContain('warning');
    const runId = onlyRunId(space.stateDir);
    const [first] = await publishedTo(topicArn);
    expect(first).toBeDefined();
    const [, message, subject] = first!;
    expect(subject).toBe(`stepwise: rotate-keys 1.2.3 (run ${runId}) failed`);
    expect(message).toContain(`Runbook rotate-keys 1.2.3, run ${runId}, failed after`);
    expect(message).toContain('Step "rotate": `sh` exited with code 2');
    expect(message).toContain(`To resume: stepwise resume ${runId} --state-dir ${space.stateDir}`);
    expect(message).not.toContain(TOKEN);
    expect(message).toContain('not ready for ***');

    space.write('ready', '');
    const resumed = await runCli(['resume', runId, '--state-dir', space.stateDir], { cwd: space.dir, env });
    expect(resumed.code, resumed.printed).toBe(0);
    const sent = await publishedTo(topicArn);
    expect(sent).toHaveLength(2);
    expect(sent[1]![2]).toBe(`stepwise: rotate-keys 1.2.3 (run ${runId}) succeeded`);
    expect(JSON.stringify(sent)).not.toContain(TOKEN);
  });

  it('publishes to a FIFO topic, which needs a message group', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const topicArn = await createTopic('ops-runs.fifo', { FifoTopic: 'true' });
    const space = workspace();
    space.write('ready', '');
    const file = writeRunbook(space, 'notify:\n  sns: "${{ params.topic }}"');
    const result = await runCli(['run', file, '-p', `topic=${topicArn}`, '--state-dir', space.stateDir], { cwd: space.dir, env: { STEPWISE_PARAM_TOKEN: TOKEN } });
    expect(result.code, result.printed).toBe(0);
    expect(result.stderr).not.toContain('warning');
    const sent = await publishedTo(topicArn);
    expect(sent).toHaveLength(1);
    expect(sent[0]![2]).toBe(`stepwise: rotate-keys 1.2.3 (run ${onlyRunId(space.stateDir)}) succeeded`);
    expect(sent[0]![4]).toBe('stepwise');
  });

  it('a topic that does not exist is a warning, and the run succeeds with exit 0', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const space = workspace();
    space.write('ready', '');
    const missing = `arn:aws:sns:${moto.region}:123456789012:no-such-topic`;
    const file = writeRunbook(space, `notify:\n  - sns: ${missing}\n    on: [succeeded]`);
    const result = await runCli(['run', file, '-p', 'topic=unused', '--state-dir', space.stateDir], { cwd: space.dir, env: { STEPWISE_PARAM_TOKEN: TOKEN } });
    expect(result.code, result.printed).toBe(0);
    expectNoStackTrace(result.printed);
    expect(result.stderr).toContain(`stepwise: warning: could not notify SNS topic ${missing} (the runbook's notify) that the run succeeded: SNS refused the Publish: NotFound`);
  });
});
