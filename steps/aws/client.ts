import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { createRequire } from 'node:module';
import type { StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { ENGINE_VERSION } from '../../engine/version.js';
import { describeCredentialChoice, sdkLogger } from './credential-source.js';
import { explainAwsError } from './explain-error.js';
import { isReadOperation, operationName } from './read-operations.js';

export const AWS_SERVICES = ['cloudformation', 'ec2', 'resourcegroupstaggingapi', 's3', 'sts'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

/** The SDK package of each service; only ever loaded by FACTORIES, when a step first needs it. */
export interface AwsSdkModules {
  cloudformation: typeof import('@aws-sdk/client-cloudformation');
  ec2: typeof import('@aws-sdk/client-ec2');
  resourcegroupstaggingapi: typeof import('@aws-sdk/client-resource-groups-tagging-api');
  s3: typeof import('@aws-sdk/client-s3');
  sts: typeof import('@aws-sdk/client-sts');
}

export interface AwsClients {
  cloudformation: CloudFormationClient;
  ec2: EC2Client;
  resourcegroupstaggingapi: ResourceGroupsTaggingAPIClient;
  s3: S3Client;
  sts: STSClient;
}

/** A client together with its package, so that a step can build commands without a static import. */
export interface AwsClientHandle<S extends AwsService> {
  readonly client: AwsClients[S];
  readonly sdk: AwsSdkModules[S];
  /** The region asked for; undefined when the SDK's own chain (AWS_REGION, the profile) decides. */
  readonly region: string | undefined;
  readonly profile: string | undefined;
  /** The per-call options every `send` takes: the step's signal cancels requests in flight. */
  readonly callOptions: { abortSignal: AbortSignal };
}

/** Where the runbook says to go: its `aws:` block with `--region`/`--profile` applied on top. */
interface AwsTarget {
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
  async sts(config) {
    const sdk: AwsSdkModules['sts'] = requireSdk('@aws-sdk/client-sts');
    return { sdk, client: new sdk.STSClient(config) };
  },
};

/** Built clients keep their connection pools and resolved credentials for the whole process. */
const clientCache = new Map<string, Promise<{ sdk: unknown; client: unknown }>>();

/** The profiles whose choice of credentials was already told: once per process is enough. */
const toldCredentials = new Set<string>();

function awsTarget(ctx: Pick<StepContext, 'settings'>): AwsTarget {
  const settings = ctx.settings('aws');
  return { region: optionalSetting(settings, 'region'), profile: optionalSetting(settings, 'profile') };
}

/**
 * The client of `service` for this step: region and profile from the runbook and command line
 * (`region` here overrides them, for a bucket in another region), then the SDK's own chain.
 * Standard retry mode with DEFAULT_MAX_ATTEMPTS; AWS_ENDPOINT_URL is honoured by the SDK itself. A dry-run client
 * refuses every operation that is not a read before it leaves the process.
 */
export async function awsClient<S extends AwsService>(
  ctx: Pick<StepContext, 'settings' | 'dryRun' | 'signal' | 'note'>,
  service: S,
  options: { region?: string } = {},
): Promise<AwsClientHandle<S>> {
  const target = awsTarget(ctx);
  const region = options.region ?? target.region;
  tellCredentials(ctx, target.profile);
  const key = JSON.stringify([service, region ?? null, target.profile ?? null, ctx.dryRun]);
  let built = clientCache.get(key);
  if (!built) {
    built = buildClient(service, { region, profile: target.profile }, ctx.dryRun);
    clientCache.set(key, built);
    built.catch(() => clientCache.delete(key));
  }
  const { sdk, client } = (await built) as { sdk: AwsSdkModules[S]; client: AwsClients[S] };
  return { sdk, client, region, profile: target.profile, callOptions: { abortSignal: ctx.signal } };
}

/** When the environment offers other credentials than the ones used, the operator hears which win. */
function tellCredentials(ctx: Pick<StepContext, 'note'>, profile: string | undefined): void {
  const told = profile ?? '';
  if (toldCredentials.has(told)) return;
  toldCredentials.add(told);
  const choice = describeCredentialChoice(profile, process.env);
  if (choice !== undefined) ctx.note(choice);
}

async function buildClient<S extends AwsService>(service: S, target: AwsTarget, dryRun: boolean) {
  // The SDK warns on Node 20 about its releases of 2027; that is for whoever maintains
  // stepwise's `engines`, not for an operator in the middle of a runbook. An explicit setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config: SharedConfig = { retryMode: 'standard', customUserAgent: `stepwise/${ENGINE_VERSION}${dryRun ? ` ${DRY_RUN_USER_AGENT}` : ''}`, logger: sdkLogger };
  if (!process.env.AWS_MAX_ATTEMPTS) config.maxAttempts = DEFAULT_MAX_ATTEMPTS;
  if (target.region !== undefined) config.region = target.region;
  if (target.profile !== undefined) config.profile = target.profile;
  const factory = FACTORIES[service] as ClientFactory<S>;
  const built = await factory(config);
  // `add` is generic over each client's own input and output types; the middleware is not
  const stack = built.client.middlewareStack as unknown as MiddlewareStackLike;
  stack.add(explainErrorsMiddleware(service, target, () => built.client.config.region()), {
    step: 'initialize',
    name: 'stepwiseExplainErrors',
    priority: 'high',
  });
  if (dryRun) {
    stack.add(dryRunGuardMiddleware(service), { step: 'initialize', name: 'stepwiseDryRunGuard', priority: 'high' });
  }
  return built;
}

interface MiddlewareContextLike {
  commandName?: string;
}

type Handler = (args: unknown) => Promise<unknown>;
type Middleware = (next: Handler, context: MiddlewareContextLike) => Handler;

interface MiddlewareStackLike {
  add(middleware: Middleware, options: { step: 'initialize'; name: string; priority: 'high' }): void;
}

/**
 * Outermost, so that it sees an error after the SDK's retries and turns it into a StepFailure
 * that names the call, the region and what to do. A cancelled request stays an AbortError.
 */
function explainErrorsMiddleware(service: AwsService, target: AwsTarget, resolvedRegion: () => Promise<string>): Middleware {
  return (next, context) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      const region = target.region ?? (await resolvedRegion().catch(() => undefined));
      throw explainAwsError(error, { service, operation: operationName(context.commandName ?? 'unknown'), region, profile: target.profile });
    }
  };
}

/** In the first middleware step: a refused operation is never serialized, signed or sent. */
function dryRunGuardMiddleware(service: AwsService): Middleware {
  return (next, context) => async (args) => {
    const operation = operationName(context.commandName ?? 'unknown');
    if (!isReadOperation(operation)) {
      throw new StepFailure(`dry-run: refused ${service}:${operation}, which is not a read; a dry-run only reads from AWS`, {
        code: 'dry-run-guard',
        retryable: false,
      });
    }
    return next(args);
  };
}

function optionalSetting(settings: Record<string, unknown>, name: 'region' | 'profile'): string | undefined {
  const value = settings[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new StepFailure(`aws.${name} is ${JSON.stringify(value)}, not a string: write a ${name} name such as ${name === 'region' ? 'us-east-1' : 'default'}`, {
      code: 'invalid-input',
      retryable: false,
    });
  }
  return value;
}
