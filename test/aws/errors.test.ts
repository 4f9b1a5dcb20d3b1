/**
 * What an operator reads when AWS says no. Refusals come from a scripted endpoint; each test
 * uses its own region so that it gets a client built for its own environment.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import describeStacks from '../../steps/aws/cloudformation-describe-stacks.js';
import { AwsFailure, explainAwsError, redactSecrets } from '../../aws/explain-error.js';
import getCallerIdentity from '../../steps/aws/sts-get-caller-identity.js';
import { queryError, startFakeAws, type FakeAws } from '../support/fake-aws.js';
import { useAwsEnvironment } from '../support/moto-env.js';
import { fakeStepContext } from '../support/step-context.js';

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws();
});
useAwsEnvironment({ endpoint: () => fake.url });
afterAll(() => fake.close());

const changed = new Map<string, string | undefined>();
function setVariable(name: string, value: string | undefined): void {
  if (!changed.has(name)) changed.set(name, process.env[name]);
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
afterEach(() => {
  for (const [name, value] of changed) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  changed.clear();
  fake.requests.length = 0;
});

async function failureOf(work: Promise<unknown>): Promise<AwsFailure> {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AwsFailure);
  return error as AwsFailure;
}

describe('AWS errors as step failures', () => {
  it('says who may not do what when access is denied', async () => {
    fake.handle = () =>
      queryError(
        403,
        'AccessDenied',
        'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:eu-west-1:123456789012:stack/orders/* because no identity-based policy allows the cloudformation:DescribeStacks action',
      );
    const failure = await failureOf(describeStacks.run(fakeStepContext({ settings: { aws: { region: 'eu-west-1' } } }), { stackName: 'orders' }));
    expect(failure).toMatchObject({ code: 'aws-access-denied', retryable: false, awsCode: 'AccessDenied' });
    expect(failure.message).toBe(
      'cloudformation:DescribeStacks in eu-west-1: access denied: arn:aws:iam::123456789012:user/alice may not call cloudformation:DescribeStacks on arn:aws:cloudformation:eu-west-1:123456789012:stack/orders/*. Ask for an IAM policy that allows it, or use a profile that has it (`--profile NAME`).',
    );
  });

  it('tells to log in again when the session has expired', async () => {
    fake.handle = () => queryError(403, 'ExpiredToken', 'The security token included in the request is expired');
    const failure = await failureOf(getCallerIdentity.run(fakeStepContext({ settings: { aws: { region: 'eu-west-2' } } }), {}));
    expect(failure).toMatchObject({ code: 'aws-expired-credentials', retryable: false });
    expect(failure.message).toContain('Log in again: `aws sso login` for an SSO profile, or renew the session token.');
  });

  it('gives up on throttling after the retries, as a retryable failure', async () => {
    setVariable('AWS_MAX_ATTEMPTS', '2');
    fake.handle = () => queryError(400, 'Throttling', 'Rate exceeded');
    const failure = await failureOf(describeStacks.run(fakeStepContext({ settings: { aws: { region: 'eu-west-3' } } }), {}));
    expect(failure).toMatchObject({ code: 'aws-throttled', retryable: true });
    expect(failure.message).toBe(
      'cloudformation:DescribeStacks in eu-west-3: AWS throttled the request 2 times in a row (Throttling). Too many calls are being made to this API; retry later.',
    );
    expect(fake.requests).toHaveLength(2);
  });

  it('never repeats a secret that an error message carries', async () => {
    const sessionToken = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDx7k2Lq9';
    setVariable('AWS_SESSION_TOKEN', sessionToken);
    fake.handle = () => queryError(403, 'InvalidClientTokenId', `The security token ${sessionToken} of AKIAIOSFODNN7EXAMPLE is invalid`);
    const failure = await failureOf(getCallerIdentity.run(fakeStepContext({ settings: { aws: { region: 'ca-central-1' } } }), {}));
    expect(failure.code).toBe('aws-invalid-credentials');
    expect(failure.message).not.toContain(sessionToken);
    expect(failure.message).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(failure.message).toContain('The security token *** of *** is invalid');
  });

  it('says how to configure credentials when there are none', async () => {
    setVariable('AWS_ACCESS_KEY_ID', undefined);
    setVariable('AWS_SECRET_ACCESS_KEY', undefined);
    const failure = await failureOf(getCallerIdentity.run(fakeStepContext({ settings: { aws: { region: 'sa-east-1' } } }), {}));
    expect(failure).toMatchObject({ code: 'aws-no-credentials', retryable: false });
    expect(failure.message).toMatch(/^sts:GetCallerIdentity in sa-east-1: no AWS credentials found for the default credentials \(.*\)\. Configure a profile with `aws configure --profile NAME`/);
    expect(fake.requests).toEqual([]);
  });

  it('names a profile that does not exist', async () => {
    setVariable('AWS_ACCESS_KEY_ID', undefined);
    setVariable('AWS_SECRET_ACCESS_KEY', undefined);
    const failure = await failureOf(getCallerIdentity.run(fakeStepContext({ settings: { aws: { region: 'ap-south-1', profile: 'prod-admin' } } }), {}));
    expect(failure.code).toBe('aws-no-credentials');
    expect(failure.message).toContain('no AWS credentials found for profile "prod-admin"');
  });

  it('says where to set a region when none is set', async () => {
    setVariable('AWS_REGION', undefined);
    const failure = await failureOf(getCallerIdentity.run(fakeStepContext({ settings: { aws: { profile: 'regionless' } } }), {}));
    expect(failure.code).toBe('aws-no-region');
    expect(failure.message).toContain('Pass `--region NAME`, set `aws: { region: NAME }` in the runbook, set AWS_REGION');
  });

  it('refuses a region name that cannot be one', async () => {
    const failure = await failureOf(getCallerIdentity.run(fakeStepContext({ settings: { aws: { region: 'us east 1' } } }), {}));
    expect(failure.code).toBe('aws-unknown-region');
    expect(failure.message).toContain('"us east 1" is not a valid region name');
  });
});

describe('explainAwsError on errors no endpoint here can produce', () => {
  const site = { service: 'ec2', operation: 'DescribeInstances', region: 'xx-nowhere-1', profile: undefined };

  it('points at the region when its endpoint does not exist', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND ec2.xx-nowhere-1.amazonaws.com'), { code: 'ENOTFOUND', hostname: 'ec2.xx-nowhere-1.amazonaws.com' });
    const failure = explainAwsError(error, site);
    expect(failure).toMatchObject({ code: 'aws-endpoint-unreachable', retryable: false });
    expect(failure.message).toBe(
      'ec2:DescribeInstances in xx-nowhere-1: the endpoint ec2.xx-nowhere-1.amazonaws.com does not exist (ENOTFOUND). Check the region name (`--region`, `aws.region`): ec2 may not be offered there. If AWS_ENDPOINT_URL is set, check it too.',
    );
  });

  it('keeps a failure it is given as it is', () => {
    const original = new AwsFailure('already explained', { code: 'x', awsCode: 'X', retryable: false, cause: undefined });
    expect(explainAwsError(original, site)).toBe(original);
  });

  it('leaves ARNs and names alone while hiding key ids and tokens', () => {
    const text = 'arn:aws:cloudformation:us-east-1:123456789012:stack/orders-compute/d7461187-45a3-4abb-bc76-a8cd7ea4c338 AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(redactSecrets(text)).toBe('arn:aws:cloudformation:us-east-1:123456789012:stack/orders-compute/d7461187-45a3-4abb-bc76-a8cd7ea4c338 *** ***');
  });
});
