/**
 * People for approval tests: IAM users with access keys in moto, whose STS GetCallerIdentity
 * answers with their user's ARN, so that each CLI process given their keys acts as them.
 */

export interface Person {
  arn: string;
  /** The environment a CLI process acts as them with. */
  env: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
}

/** moto reads which service a request is for from its credential scope; it checks no signature. */
async function iam(motoUrl: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(`${motoUrl}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString(),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto IAM ${params.Action} failed: ${text}`);
  return text;
}

function field(xml: string, name: string): string {
  const match = new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml);
  if (!match) throw new Error(`no ${name} in ${xml}`);
  return match[1]!;
}

export async function newPerson(motoUrl: string, userName: string): Promise<Person> {
  const user = await iam(motoUrl, { Action: 'CreateUser', UserName: userName });
  const key = await iam(motoUrl, { Action: 'CreateAccessKey', UserName: userName });
  return { arn: field(user, 'Arn'), env: { AWS_ACCESS_KEY_ID: field(key, 'AccessKeyId'), AWS_SECRET_ACCESS_KEY: field(key, 'SecretAccessKey') } };
}
