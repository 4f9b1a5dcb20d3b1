import { createHash } from 'node:crypto';
import { newSdkClient } from '../../aws/sdk-clients.js';
import { signRequest } from '../../aws/sign-request.js';
import type { NotifySender } from '../../engine/step-family.js';

/** SNS refuses a subject that is not ASCII, holds a line break or is 100 characters or more. */
const SUBJECT_LIMIT = 99;

/**
 * Publishes to the topic with SNS's query API, signed with the credentials the SDK resolves for
 * the `aws:` block's profile: stepwise ships no SNS client, and a Publish is one form POST.
 * AWS_ENDPOINT_URL_SNS or AWS_ENDPOINT_URL lead it elsewhere (an emulator), as they lead the SDK.
 */
const publishToTopic: NotifySender = {
  async send(topicArn, notification, context) {
    // checked against the channel's TOPIC_ARN when the run started: arn:PARTITION:sns:REGION:ACCOUNT:NAME
    const [, partition, , region] = topicArn.split(':');
    if (!partition || !region) throw new Error(`${topicArn} is not an SNS topic ARN`);
    const profile = context.settings('aws').profile;
    const { client } = await newSdkClient('sts', { region, profile: typeof profile === 'string' ? profile : undefined }, { dryRun: false });
    const credentials = await client.config.credentials();
    const form = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: topicArn, Subject: plainSubject(notification.subject), Message: notification.text });
    if (topicArn.endsWith('.fifo')) {
      form.set('MessageGroupId', 'stepwise');
      form.set('MessageDeduplicationId', createHash('sha256').update(`${notification.subject}\n${notification.text}`).digest('hex'));
    }
    const url = new URL(endpoint(partition, region));
    const body = form.toString();
    const headers = signRequest({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }, credentials, { region, service: 'sns' });
    const response = await fetch(url, { method: 'POST', headers, body, signal: context.signal });
    const answer = await response.text();
    if (!response.ok) throw new Error(`SNS answered HTTP ${response.status}: ${errorOf(answer)}`);
  },
};

export default publishToTopic;

function endpoint(partition: string, region: string): string {
  const given = process.env.AWS_ENDPOINT_URL_SNS ?? process.env.AWS_ENDPOINT_URL;
  if (given) return given;
  return `https://sns.${region}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}/`;
}

function plainSubject(subject: string): string {
  const ascii = subject.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_LIMIT ? ascii : `${ascii.slice(0, SUBJECT_LIMIT - 3)}...`;
}

/** The code and message of SNS's XML error, such as `NotFound: Topic does not exist`. */
function errorOf(xml: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  return [code, message].filter(Boolean).join(': ') || 'no reason given';
}
