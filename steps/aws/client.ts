import { describeCredentialChoice } from '../../aws/credential-source.js';
import { explainAwsError } from '../../aws/explain-error.js';
import { newSdkClient, type AwsClients, type AwsSdkModules, type AwsService, type AwsTarget } from '../../aws/sdk-clients.js';
import type { StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { isReadOperation, operationName } from './read-operations.js';

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
 * refuses every operation that is not a read before it leaves the process; one asked for by a step
 * type that `previewsWithChangeSets` also lets CreateChangeSet, DescribeChangeSet and DeleteChangeSet
 * through, unless the runbook's `aws.changeSets` or `--no-change-sets` says no.
 */
export async function awsClient<S extends AwsService>(
  ctx: Pick<StepContext, 'settings' | 'dryRun' | 'signal' | 'note'>,
  service: S,
  options: { region?: string; previewsWithChangeSets?: boolean } = {},
): Promise<AwsClientHandle<S>> {
  const target = awsTarget(ctx);
  const region = options.region ?? target.region;
  tellCredentials(ctx, target.profile);
  const allowed = ctx.dryRun && service === 'cloudformation' && options.previewsWithChangeSets === true && changeSetsAllowed(ctx) ? CHANGE_SET_OPERATIONS : [];
  const key = JSON.stringify([service, region ?? null, target.profile ?? null, ctx.dryRun, allowed]);
  let built = clientCache.get(key);
  if (!built) {
    built = buildClient(service, { region, profile: target.profile }, ctx.dryRun, allowed);
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

/**
 * What a plan may send besides reads, and only from a step type that previews with a change
 * set: the change set is a preview, created, read and deleted, and changes no resource.
 */
const CHANGE_SET_OPERATIONS: readonly string[] = ['CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet'];

/** False when the runbook's `aws.changeSets` or `--no-change-sets` keeps a plan strictly read-only. */
export function changeSetsAllowed(ctx: Pick<StepContext, 'settings'>): boolean {
  // the aws block's schema holds it to a boolean, and --no-change-sets gives false
  return ctx.settings('aws').changeSets !== false;
}

async function buildClient<S extends AwsService>(service: S, target: AwsTarget, dryRun: boolean, allowed: readonly string[]) {
  const built = await newSdkClient(service, target, { dryRun });
  // `add` is generic over each client's own input and output types; the middleware is not
  const stack = built.client.middlewareStack as unknown as MiddlewareStackLike;
  stack.add(explainErrorsMiddleware(service, target, () => built.client.config.region()), {
    step: 'initialize',
    name: 'stepwiseExplainErrors',
    priority: 'high',
  });
  if (dryRun) {
    stack.add(dryRunGuardMiddleware(service, allowed), { step: 'initialize', name: 'stepwiseDryRunGuard', priority: 'high' });
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
function dryRunGuardMiddleware(service: AwsService, allowed: readonly string[]): Middleware {
  const besidesReads = allowed.length > 0 ? ` and ${allowed.join(', ')}` : '';
  return (next, context) => async (args) => {
    const operation = operationName(context.commandName ?? 'unknown');
    if (!isReadOperation(operation) && !allowed.includes(operation)) {
      throw new StepFailure(`dry-run: refused ${service}:${operation}, which is not a read; a dry-run only reads from AWS${besidesReads}`, {
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
