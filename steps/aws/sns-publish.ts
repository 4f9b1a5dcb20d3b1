import { createHash } from 'node:crypto';
import { newSdkClient } from '../../aws/sdk-clients.js';
import type { NotifySender } from '../../engine/step-family.js';

/** SNS refuses a subject that is not ASCII, holds a line break or is 100 characters or more. */
const SUBJECT_LIMIT = 99;

/**
 * Publishes to the topic, in the topic's region, with the credentials of the `aws:` block's
 * profile. AWS_ENDPOINT_URL_SNS or AWS_ENDPOINT_URL lead it elsewhere (an emulator), as they
 * lead every SDK client.
 */
const publishToTopic: NotifySender = {
  async send(topicArn, notification, context) {
    // checked against the channel's TOPIC_ARN when the run started: arn:PARTITION:sns:REGION:ACCOUNT:NAME
    const region = topicArn.split(':')[3];
    if (!region) throw new Error(`${topicArn} is not an SNS topic ARN`);
    const profile = context.settings('aws').profile;
    const { sdk, client } = await newSdkClient('sns', { region, profile: typeof profile === 'string' ? profile : undefined }, { dryRun: false });
    const fifo = topicArn.endsWith('.fifo')
      ? { MessageGroupId: 'stepwise', MessageDeduplicationId: createHash('sha256').update(`${notification.subject}\n${notification.text}`).digest('hex') }
      : {};
    try {
      await client.send(new sdk.PublishCommand({ TopicArn: topicArn, Subject: plainSubject(notification.subject), Message: notification.text, ...fifo }), { abortSignal: context.signal });
    } catch (error) {
      // the SDK's message alone ("Endpoint does not exist") does not say what was refused
      if (error instanceof sdk.SNSServiceException) throw new Error(`SNS refused the Publish: ${error.name}: ${error.message}`);
      throw error;
    } finally {
      client.destroy();
    }
  },
};

export default publishToTopic;

function plainSubject(subject: string): string {
  const ascii = subject.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_LIMIT ? ascii : `${ascii.slice(0, SUBJECT_LIMIT - 3)}...`;
}
