import type { StepDefinition } from '../../engine/step-definition.js';
import type { IdentitySource, SettingsBlock, StepFamily } from '../../engine/step-family.js';
import { snsChannel } from './sns-channel.js';

/**
 * The AWS step types by name. Each module is imported only when a runbook uses its type, and
 * none imports the AWS SDK until it runs: `stepwise validate` never loads the SDK.
 */
export const awsSteps = {
  'aws.cloudformation.describe-stacks': () => import('./cloudformation-describe-stacks.js'),
  'aws.cloudformation.list-stacks': () => import('./cloudformation-list-stacks.js'),
  'aws.cloudformation.describe-stack-events': () => import('./cloudformation-describe-stack-events.js'),
  'aws.cloudformation.update-stack': () => import('./cloudformation-update-stack.js'),
  'aws.cloudformation.wait': () => import('./cloudformation-wait.js'),
  'aws.ec2.describe-instances': () => import('./ec2-describe-instances.js'),
  'aws.s3.list-buckets': () => import('./s3-list-buckets.js'),
  'aws.s3.find-buckets-by-tag': () => import('./s3-find-buckets-by-tag.js'),
  'aws.sts.get-caller-identity': () => import('./sts-get-caller-identity.js'),
  'aws.call': () => import('./call.js'),
} satisfies Record<string, () => Promise<{ default: StepDefinition<never> }>>;

/** Where the AWS steps call, and whether a plan may preview with change sets: the runbook's `aws:` block, which the options override. */
const awsSettings: SettingsBlock = {
  name: 'aws',
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'Defaults for every aws.* step; --region, --profile and --no-change-sets override them.',
    properties: {
      region: { type: 'string', description: 'The AWS region.' },
      profile: { type: 'string', description: 'A named profile of the AWS config files.' },
      changeSets: {
        type: 'boolean',
        description: 'Whether a plan may create, describe and delete CloudFormation change sets to preview a stack update (default true); false keeps a plan strictly read-only.',
      },
    },
  },
  markdown:
    'Defaults for every `aws.*` step: `region`, `profile`, and `changeSets` (false: a plan creates no CloudFormation change set, it only reads). `--region`, `--profile` and `--no-change-sets` on the command line win.',
  options: [
    { flags: '--profile <name>', setting: 'profile', description: 'AWS named profile' },
    { flags: '--region <name>', setting: 'region', description: 'AWS region' },
    { flags: '--no-change-sets', setting: 'changeSets', description: 'a plan previews no stack update with a CloudFormation change set: it only reads' },
  ],
};

/** Approvers are AWS principals: the SDK is loaded only when an approval asks who is there. */
const awsIdentity: IdentitySource = {
  describe: 'the ARN of the AWS principal whose credentials are in use (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, an instance role)',
  identify: async () => (await import('./caller-identity.js')).callerIdentity(),
};

export const awsFamily: StepFamily = { steps: awsSteps, settings: [awsSettings], identity: awsIdentity, notifyChannels: [snsChannel] };
