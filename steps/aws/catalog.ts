import type { StepDefinition } from '../../engine/step-definition.js';

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
