import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import { createRequire } from 'node:module';
import { ENGINE_VERSION } from '../engine/version.js';
import { sdkLogger } from './credential-source.js';

export const AWS_SERVICES = ['cloudformation', 'ec2', 'resourcegroupstaggingapi', 's3', 'sns', 'sts'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

/** The SDK package of each service; only ever loaded by FACTORIES, when a step first needs it. */
export interface AwsSdkModules {
  cloudformation: typeof import('@aws-sdk/client-cloudformation');
  ec2: typeof import('@aws-sdk/client-ec2');
  resourcegroupstaggingapi: typeof import('@aws-sdk/client-resource-groups-tagging-api');
  s3: typeof import('@aws-sdk/client-s3');
  sns: typeof import('@aws-sdk/client-sns');
  sts: typeof import('@aws-sdk/client-sts');
}

export interface AwsClients {
  cloudformation: CloudFormationClient;
  ec2: EC2Client;
  resourcegroupstaggingapi: ResourceGroupsTaggingAPIClient;
  s3: S3Client;
  sns: SNSClient;
  sts: STSClient;
}

/** Where calls go: the runbook's `aws:` block with `--region`/`--profile` on top, or a state address's `?region=&profile=`. */
export interface AwsTarget {
  region: string | undefined;
  profile: string | undefined;
}

interface SharedConfig {
  region?: string;
  profile?: string;
  retryMode: 'standard';
  maxAttempts?: number;
  customUserAgent: string;
  logger: typeof sdkLogger;
}

/**
 * In every request's user agent, so that CloudTrail (and the test suite's recorder) can tell
 * stepwise's calls, and those of a dry-run, from anyone else's.
 */
export const DRY_RUN_USER_AGENT = 'stepwise-dry-run';

/**
 * Attempts per call, the first one included. With the SDK's default of 3, a call gives up
 * when three requests in a row fail: when one request in five is throttled or dropped, that
 * is one call in 125, so one run in a few of a runbook that makes some thirty calls. Five
 * attempts make it one call in 3,000. AWS_MAX_ATTEMPTS, when set, decides instead.
 */
export const DEFAULT_MAX_ATTEMPTS = 5;

type ClientFactory<S extends AwsService> = (config: SharedConfig) => Promise<{ sdk: AwsSdkModules[S]; client: AwsClients[S] }>;

/**
 * The SDK's Node entry points are CommonJS bundles of megabytes (EC2's alone is 2 MB). `import()`
 * of one first compiles it to detect its module format and scans it for named exports, which
 * costs a third of a second more than `require` for EC2; `require` compiles it once.
 */
const requireSdk = createRequire(import.meta.url);

const FACTORIES: { [S in AwsService]: ClientFactory<S> } = {
  async cloudformation(config) {
    const sdk: AwsSdkModules['cloudformation'] = requireSdk('@aws-sdk/client-cloudformation');
    return { sdk, client: new sdk.CloudFormationClient(config) };
  },
  async ec2(config) {
    const sdk: AwsSdkModules['ec2'] = requireSdk('@aws-sdk/client-ec2');
    return { sdk, client: new sdk.EC2Client(config) };
  },
  async resourcegroupstaggingapi(config) {
    const sdk: AwsSdkModules['resourcegroupstaggingapi'] = requireSdk('@aws-sdk/client-resource-groups-tagging-api');
    return { sdk, client: new sdk.ResourceGroupsTaggingAPIClient(config) };
  },
  async s3(config) {
    const sdk: AwsSdkModules['s3'] = requireSdk('@aws-sdk/client-s3');
    // buckets live in every region; a call that reaches the wrong one is sent again to the right one
    return { sdk, client: new sdk.S3Client({ ...config, followRegionRedirects: true }) };
  },
  async sns(config) {
    const sdk: AwsSdkModules['sns'] = requireSdk('@aws-sdk/client-sns');
    return { sdk, client: new sdk.SNSClient(config) };
  },
  async sts(config) {
    const sdk: AwsSdkModules['sts'] = requireSdk('@aws-sdk/client-sts');
    return { sdk, client: new sdk.STSClient(config) };
  },
};

/**
 * A new client of `service`, configured as every client of stepwise is, for the AWS steps and
 * the S3 state alike: standard retries with DEFAULT_MAX_ATTEMPTS (AWS_MAX_ATTEMPTS decides when
 * set), stepwise's user agent, the SDK's words only with STEPWISE_DEBUG. AWS_ENDPOINT_URL is
 * honoured by the SDK itself.
 */
export async function newSdkClient<S extends AwsService>(service: S, target: AwsTarget, { dryRun }: { dryRun: boolean }): Promise<{ sdk: AwsSdkModules[S]; client: AwsClients[S] }> {
  // The SDK warns on Node 20 about its releases of 2027; that is for whoever maintains
  // stepwise's `engines`, not for an operator in the middle of a runbook. An explicit setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config: SharedConfig = { retryMode: 'standard', customUserAgent: `stepwise/${ENGINE_VERSION}${dryRun ? ` ${DRY_RUN_USER_AGENT}` : ''}`, logger: sdkLogger };
  if (!process.env.AWS_MAX_ATTEMPTS) config.maxAttempts = DEFAULT_MAX_ATTEMPTS;
  if (target.region !== undefined) config.region = target.region;
  if (target.profile !== undefined) config.profile = target.profile;
  return (FACTORIES[service] as ClientFactory<S>)(config);
}
