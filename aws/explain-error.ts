import { StepFailure } from '../engine/step-failure.js';

/** Where a failed call went, for messages that say what to do about it. */
export interface AwsCallSite {
  service: string;
  operation: string;
  region: string | undefined;
  profile: string | undefined;
}

/**
 * A failure AWS reported, turned into words for the operator. `awsCode` keeps the service's
 * own error code (such as `ValidationError`) for the steps that treat one case specially.
 */
export class AwsFailure extends StepFailure {
  readonly awsCode: string;

  constructor(message: string, options: { code: string; awsCode: string; retryable: boolean; details?: string; cause: unknown }) {
    super(redactSecrets(message), { ...options, details: options.details === undefined ? undefined : redactSecrets(options.details) });
    this.name = 'AwsFailure';
    this.awsCode = options.awsCode;
  }
}

/** What the SDK's errors carry, as far as explaining them needs. */
export interface SdkErrorShape {
  name: string;
  message: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
  hostname?: string;
}

const NO_CREDENTIALS = /could not load credentials|profile .* could not be found|unable to find .*credentials|no credentials/i;
const EXPIRED = /expired|refresh this sso session|sso login/i;
const EXPIRED_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired']);
const INVALID_CREDENTIAL_CODES = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'InvalidToken',
]);
const ACCESS_DENIED_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'Forbidden']);
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
]);
const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The SDK found no credentials to sign with (no profile, an expired SSO session). */
export function isCredentialsProviderError(sdk: SdkErrorShape): boolean {
  return sdk.name === 'CredentialsProviderError' || sdk.name === 'TokenProviderError';
}

/** AWS received the credentials and refused them: expired, or not known to it. */
export function isRefusedCredentials(sdk: SdkErrorShape): boolean {
  return EXPIRED_CODES.has(sdk.name) || INVALID_CREDENTIAL_CODES.has(sdk.name);
}

export function isAccessDenied(sdk: SdkErrorShape): boolean {
  return ACCESS_DENIED_CODES.has(sdk.name) || sdk.$metadata?.httpStatusCode === 403;
}

export function isMissingRegion(sdk: SdkErrorShape): boolean {
  return sdk.message === 'Region is missing';
}

/** The system error code when the request never reached AWS (or the connection dropped). */
export function networkErrorCode(sdk: SdkErrorShape): string | undefined {
  return sdk.code !== undefined && NETWORK_CODES.has(sdk.code) ? sdk.code : undefined;
}

/** Turns anything a client call threw into a StepFailure whose message says what to do. */
export function explainAwsError(error: unknown, site: AwsCallSite): StepFailure {
  if (error instanceof StepFailure) return error;
  const sdk = asSdkError(error);
  const call = `${site.service}:${site.operation}`;
  const where = site.region ? `in ${site.region}` : 'with no region';
  const profile = site.profile ? `profile "${site.profile}"` : 'the default credentials';
  const fail = (message: string, code: string, retryable: boolean, details?: string) =>
    new AwsFailure(message, { code, awsCode: sdk.name, retryable, details, cause: error });

  if (isCredentialsProviderError(sdk)) {
    if (EXPIRED.test(sdk.message)) {
      return fail(
        `${call} ${where}: the credentials of ${profile} have expired (${sdk.message}). Log in again: \`aws sso login${profileFlag(site)}\` for an SSO profile, or renew the session token.`,
        'aws-expired-credentials',
        false,
      );
    }
    if (NO_CREDENTIALS.test(sdk.message)) {
      return fail(
        `${call} ${where}: no AWS credentials found for ${profile} (${sdk.message}). Configure a profile with \`aws configure --profile NAME\` (or \`aws configure sso\`) and pass \`--profile NAME\`, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
        'aws-no-credentials',
        false,
      );
    }
    return fail(`${call} ${where}: could not get credentials for ${profile}: ${sdk.message}`, 'aws-credentials', false);
  }

  if (EXPIRED_CODES.has(sdk.name) || (INVALID_CREDENTIAL_CODES.has(sdk.name) && EXPIRED.test(sdk.message))) {
    return fail(
      `${call} ${where}: AWS refused the credentials of ${profile} as expired (${sdk.name}). Log in again: \`aws sso login${profileFlag(site)}\` for an SSO profile, or renew the session token.`,
      'aws-expired-credentials',
      false,
    );
  }

  if (INVALID_CREDENTIAL_CODES.has(sdk.name)) {
    return fail(
      `${call} ${where}: AWS does not accept the credentials of ${profile} (${sdk.name}: ${sdk.message}). Check the access key of the profile, or choose another one with \`--profile NAME\`.`,
      'aws-invalid-credentials',
      false,
    );
  }

  if (isAccessDenied(sdk)) {
    return fail(accessDeniedMessage(sdk, call, where, profile), 'aws-access-denied', false);
  }

  if (THROTTLING_CODES.has(sdk.name) || sdk.$retryable?.throttling === true) {
    const attempts = sdk.$metadata?.attempts;
    return fail(
      `${call} ${where}: AWS throttled the request${attempts ? ` ${attempts} times in a row` : ''} (${sdk.name}). Too many calls are being made to this API; retry later.`,
      'aws-throttled',
      true,
    );
  }

  const missingStack = /Stack with id (.+) does not exist/.exec(sdk.message);
  if (missingStack) {
    return fail(
      `stack ${JSON.stringify(missingStack[1])} does not exist ${where}${site.profile ? ` (profile "${site.profile}")` : ''}: check the stack name and the region (\`--region\`, or \`aws.region\` in the runbook).`,
      'aws-stack-not-found',
      false,
    );
  }

  if (isMissingRegion(sdk)) {
    return fail(
      `${call}: no AWS region is set. Pass \`--region NAME\`, set \`aws: { region: NAME }\` in the runbook, set AWS_REGION, or give ${profile} a region (\`aws configure set region NAME${profileFlag(site)}\`).`,
      'aws-no-region',
      false,
    );
  }

  if (/invalid region|region not accepted/i.test(sdk.message)) {
    return fail(
      `${call}: ${JSON.stringify(site.region)} is not a valid region name (${sdk.message}). Use a name such as us-east-1.`,
      'aws-unknown-region',
      false,
    );
  }

  const networkCode = networkErrorCode(sdk);
  if (networkCode) {
    const host = sdk.hostname ?? /(?:getaddrinfo \w+|connect \w+) (\S+)/.exec(sdk.message)?.[1];
    const endpoint = host ? `the endpoint ${host}` : 'the endpoint';
    const unknownHost = networkCode === 'ENOTFOUND' || networkCode === 'EAI_AGAIN';
    // a reset connection was reached: what went wrong happened after it was made
    const trouble = networkCode === 'ECONNRESET' ? `${endpoint} dropped the connection` : `could not reach ${endpoint}`;
    return fail(
      unknownHost
        ? `${call} ${where}: ${endpoint} does not exist (${networkCode}). Check the region name (\`--region\`, \`aws.region\`): ${site.service} may not be offered there. If AWS_ENDPOINT_URL is set, check it too.`
        : `${call} ${where}: ${trouble} (${networkCode})${attemptsSuffix(sdk)}. Check the network, a proxy, or AWS_ENDPOINT_URL if it is set.`,
      'aws-endpoint-unreachable',
      !unknownHost,
    );
  }

  if (sdk.name === 'TimeoutError') {
    return fail(`${call} ${where}: the request timed out (${sdk.message}).`, 'aws-timeout', true);
  }

  const serverFault = sdk.$fault === 'server' || (sdk.$metadata?.httpStatusCode ?? 0) >= 500;
  return fail(`${call} ${where} failed${serverFault ? attemptsSuffix(sdk) : ''}: ${sdk.name}: ${sdk.message}`, `aws-${sdk.name}`, serverFault);
}

/** The SDK retries server faults and dropped connections; how often it tried tells the operator it was not a blip. */
function attemptsSuffix(sdk: SdkErrorShape): string {
  const attempts = sdk.$metadata?.attempts;
  return attempts !== undefined && attempts > 1 ? ` ${attempts} times in a row` : '';
}

function accessDeniedMessage(sdk: SdkErrorShape, call: string, where: string, profile: string): string {
  // IAM phrases it "User: arn:... is not authorized to perform: service:Action on resource: arn:..."
  const principal = /User: (\S+) is not authorized/.exec(sdk.message)?.[1];
  const action = /to perform: (\S+)/.exec(sdk.message)?.[1] ?? call;
  const resource = /on resource: (\S+)/.exec(sdk.message)?.[1];
  const who = principal ?? `the principal of ${profile}`;
  const encoded = /Encoded authorization failure message: (\S+)/.exec(sdk.message)?.[1];
  return [
    `${call} ${where}: access denied: ${who} may not call ${action}${resource ? ` on ${resource}` : ''}.`,
    'Ask for an IAM policy that allows it, or use a profile that has it (`--profile NAME`).',
    encoded ? 'AWS encoded the reason: decode it with `aws sts decode-authorization-message --encoded-message ...`.' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function profileFlag(site: AwsCallSite): string {
  return site.profile ? ` --profile ${site.profile}` : '';
}

export function asSdkError(error: unknown): SdkErrorShape {
  if (error instanceof Error) {
    const shaped = error as Error & Partial<SdkErrorShape>;
    return { ...shaped, name: shaped.name, message: shaped.message };
  }
  return { name: 'Error', message: String(error) };
}

const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g;
/** Session tokens and secret keys are long base64 runs; no AWS message needs one to be read. */
const LONG_BASE64 = /[A-Za-z0-9+/]{40,}={0,2}/g;
const LOOKS_RANDOM = (run: string) => /[0-9]/.test(run) && /[a-z]/.test(run) && /[A-Z]/.test(run);

/** Error texts may echo a key id or a token; none of them may reach a log or the journal. */
export function redactSecrets(text: string): string {
  let redacted = text.replace(ACCESS_KEY_ID, '***').replace(LONG_BASE64, (run) => (LOOKS_RANDOM(run) ? '***' : run));
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) {
    const value = process.env[name];
    if (value && value.length >= 8) redacted = redacted.split(value).join('***');
  }
  return redacted;
}
