/**
 * aws/sign-request.ts signs a topic's Publish by hand (stepwise ships no SNS client): its
 * signature must be the SDK's own signer's, byte for byte.
 */
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../aws/sign-request.js';

interface SdkSigner {
  sign(request: object, options: { signingDate: Date }): Promise<{ headers: Record<string, string> }>;
}
type SdkSignerClass = new (options: object) => SdkSigner;

// the SDK clients' own signer, which they install with them
const { SignatureV4 } = createRequire(import.meta.url)('@smithy/signature-v4') as { SignatureV4: SdkSignerClass };

class Sha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const NOW = new Date('2026-12-03T10:15:00Z');
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

async function bothSignatures(url: URL, body: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const sdk = new SignatureV4({ credentials, region: 'eu-west-1', service: 'sns', sha256: Sha256 });
  const query = Object.fromEntries(url.searchParams.entries());
  const theirs = await sdk.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query, headers: { 'content-type': FORM, host: url.host }, body }, { signingDate: NOW });
  // the SDK's signer also signs the body's hash as a header: given the same, both sign the same headers
  const mine = signRequest({ method: 'POST', url, headers: { 'content-type': FORM, 'x-amz-content-sha256': theirs.headers['x-amz-content-sha256']! }, body }, credentials, { region: 'eu-west-1', service: 'sns' }, NOW);
  return { theirs: theirs.headers.authorization, mine: mine.authorization };
}

describe('signing a request with Signature Version 4', () => {
  it('gives the SDK signer\'s signature for a Publish, with a session token', async () => {
    const { theirs, mine } = await bothSignatures(new URL('https://sns.eu-west-1.amazonaws.com/'), 'Action=Publish&Message=d%C3%A9ploy%C3%A9%20%2A%20ok&Subject=s', {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken: 'session/token+1',
    });
    expect(mine).toBe(theirs);
    expect(mine).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261203\/eu-west-1\/sns\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
  });

  it('and for an endpoint with a port, a path and a query', async () => {
    const { theirs, mine } = await bothSignatures(new URL('http://127.0.0.1:4566/proxy/sns path/?b=2&a=1&c=x%20y'), 'Action=Publish', { accessKeyId: 'AKID', secretAccessKey: 'secret' });
    expect(mine).toBe(theirs);
  });
});
