import type { NotifyChannel } from '../../engine/step-family.js';

/** arn:PARTITION:sns:REGION:ACCOUNT:TOPIC, a FIFO topic's name ending in .fifo. */
const TOPIC_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):sns:([a-z]{2}(-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9_-]{1,256}(\.fifo)?)$/;

const ARN_RULE = 'must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:ops-runs, or hold a ${{ }} expression that gives one';

/**
 * An SNS topic that a run is announced to (Publish with a Subject and the text): whoever
 * subscribes to it hears, by mail, SMS, a queue or a function. The aws family's notify channel.
 */
export const snsChannel: NotifyChannel = {
  name: 'sns',
  schema: {
    type: 'string',
    pattern: `(${TOPIC_ARN.source})|(\\$\\{\\{)`,
    patternErrorMessage: ARN_RULE,
    description: 'An SNS topic ARN: the run publishes to it with the credentials of the `aws:` block\'s profile, in the topic\'s region.',
  },
  markdown:
    'An SNS topic ARN, such as `arn:aws:sns:us-east-1:123456789012:ops-runs`: the run publishes each announcement to it (a `Subject` and the text), ' +
    'in the topic\'s region, with the credentials of the `aws:` block\'s `profile` (or `--profile`), else the SDK\'s own chain. It needs `sns:Publish` on the topic.',
  secretAddress: false,
  checkAddress: (address) => TOPIC_ARN.test(address) || ARN_RULE,
  describe: (address) => `SNS topic ${address}`,
  load: () => import('./sns-publish.js'),
};
