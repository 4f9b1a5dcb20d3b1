/**
 * Which credentials the SDK takes when the environment offers more than one source, said in
 * stepwise's words instead of the SDK's own console warning.
 *
 * The SDK's default chain (@aws-sdk/credential-provider-node, defaultProvider) skips the
 * environment's static keys whenever a profile is named, by the client's `profile` or by
 * AWS_PROFILE, and a client's `profile` wins over AWS_PROFILE.
 */
export function describeCredentialChoice(profile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const envProfile = env.AWS_PROFILE || undefined;
  const envKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  const used = profile ?? envProfile;
  if (used === undefined) return undefined;
  const ignored: string[] = [];
  if (envKeys) ignored.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  if (profile !== undefined && envProfile !== undefined && envProfile !== profile) ignored.push(`AWS_PROFILE=${envProfile}`);
  if (ignored.length === 0) return undefined;
  const origin = profile === undefined ? 'from AWS_PROFILE' : 'from --profile or the runbook\'s aws.profile';
  return `credentials: profile ${used} (${origin}); ${ignored.join(' and ')} in the environment ${ignored.length === 1 && !envKeys ? 'is' : 'are'} ignored`;
}

type LogFunction = (...content: unknown[]) => void;

/**
 * The clients' logger. The SDK writes warnings with console.warn unless a client has a logger
 * of its own; stepwise says what matters itself, and shows the SDK's words with STEPWISE_DEBUG.
 */
export const sdkLogger: Record<'trace' | 'debug' | 'info' | 'warn' | 'error', LogFunction> = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (...content) => debugLine('warning', content),
  error: (...content) => debugLine('error', content),
};

function debugLine(level: string, content: unknown[]): void {
  if (process.env.STEPWISE_DEBUG) process.stderr.write(`aws sdk ${level}: ${content.map(String).join(' ')}\n`);
}
