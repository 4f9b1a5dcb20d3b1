import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IdentityFailure } from '../../engine/step-family.js';
import { newSdkClient } from '../../aws/sdk-clients.js';

/** An approval waits on this answer: a network that drops packets must not hold it longer. */
const ANSWER_WITHIN_MS = 5000;

/**
 * The ARN of the AWS principal whose credentials this process has (STS GetCallerIdentity): how
 * approvers are named. Undefined when there are none, found without asking: with no sign of
 * credentials the SDK's chain would end at the instance metadata service, which a machine
 * outside EC2 lets time out. Credentials that do not answer (an expired SSO token, access
 * denied, no network) are a failure with its cause: the person must learn why they are not who
 * the approvers expect.
 */
export async function callerIdentity(env: NodeJS.ProcessEnv = process.env): Promise<string | IdentityFailure | undefined> {
  if (!mayHaveCredentials(env)) return undefined;
  try {
    const { sdk, client } = await newSdkClient('sts', { region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1', profile: undefined }, { dryRun: false });
    const answer = await client.send(new sdk.GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
    client.destroy();
    return answer.Arn ?? { failed: 'could not ask AWS who you are (STS GetCallerIdentity gave no ARN)' };
  } catch (error) {
    return { failed: `could not ask AWS who you are (${causeOf(error)})` };
  }
}

/** `ExpiredToken: The security token included in the request is expired`, on one line. */
function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
  return `${name}${error.message}`.replace(/\s+/g, ' ').trim();
}

/** Keys, a profile, a web identity, a container's credentials, the config files, or an EC2 instance's role. */
function mayHaveCredentials(env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  const home = os.homedir();
  if (existsSync(env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'))) return true;
  if (existsSync(env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'))) return true;
  return env.AWS_EC2_METADATA_DISABLED !== 'true' && isEc2Instance();
}

/** What EC2 (Nitro and Xen) instances say of their hardware; read from local files, never over the network. */
function isEc2Instance(): boolean {
  for (const [file, mark] of [['/sys/devices/virtual/dmi/id/sys_vendor', 'Amazon EC2'], ['/sys/hypervisor/uuid', 'ec2']] as const) {
    try {
      if (readFileSync(file, 'utf8').trim().startsWith(mark)) return true;
    } catch {
      // not this kind of machine
    }
  }
  return false;
}
