import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { checkDefinition } from '../../engine/check-definition.js';
import { awsSteps } from '../../steps/aws/catalog.js';
import { awsClient } from '../../steps/aws/client.js';
import getCallerIdentity from '../../steps/aws/sts-get-caller-identity.js';
import { recordedCalls } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { fakeStepContext } from '../support/step-context.js';

const moto = useMoto({ region: 'us-east-1' });
const restoreEnvironment: Array<() => void> = [];

function setEnvironment(values: Record<string, string | undefined>): void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  restoreEnvironment.push(() => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

afterEach(() => {
  for (const restore of restoreEnvironment.splice(0).reverse()) restore();
});

describeMoto('the AWS client module', () => {
  it("takes the region from the runbook's aws settings, then from the SDK's chain", async () => {
    const configured = await awsClient(fakeStepContext({ settings: { aws: { region: 'eu-west-1' } } }), 'cloudformation');
    expect(configured.region).toBe('eu-west-1');
    expect(await configured.client.config.region()).toBe('eu-west-1');

    const fromEnvironment = await awsClient(fakeStepContext(), 'cloudformation');
    expect(fromEnvironment.region).toBeUndefined();
    expect(await fromEnvironment.client.config.region()).toBe('us-east-1');
  });

  it('uses a named profile for both region and credentials', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'stepwise-aws-profile-'));
    try {
      await writeFile(join(folder, 'config'), '[profile ops]\nregion = ap-southeast-2\n');
      await writeFile(join(folder, 'credentials'), '[ops]\naws_access_key_id = AKIDOPSPROFILE\naws_secret_access_key = ops-secret\n');
      setEnvironment({
        AWS_CONFIG_FILE: join(folder, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'),
        AWS_REGION: undefined,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
      });
      const { client, profile } = await awsClient(fakeStepContext({ settings: { aws: { profile: 'ops' } } }), 'sts');
      expect(profile).toBe('ops');
      expect(await client.config.region()).toBe('ap-southeast-2');
      expect((await client.config.credentials()).accessKeyId).toBe('AKIDOPSPROFILE');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses a region setting that is not a string, naming the value', async () => {
    await expect(awsClient(fakeStepContext({ settings: { aws: { region: 42 } } }), 'ec2')).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('aws.region is 42'),
    });
  });

  it('builds one client per service, region, profile and dry-run, with the standard retry mode', async () => {
    const first = await awsClient(fakeStepContext({ settings: { aws: { region: 'us-west-2' } } }), 'ec2');
    const again = await awsClient(fakeStepContext({ settings: { aws: { region: 'us-west-2' } } }), 'ec2');
    const dryRun = await awsClient(fakeStepContext({ settings: { aws: { region: 'us-west-2' } }, dryRun: true }), 'ec2');
    const otherRegion = await awsClient(fakeStepContext({ settings: { aws: { region: 'us-west-1' } } }), 'ec2');
    const overridden = await awsClient(fakeStepContext({ settings: { aws: { region: 'us-west-1' } } }), 'ec2', { region: 'us-west-2' });
    expect(again.client).toBe(first.client);
    expect(overridden.client).toBe(first.client);
    expect(dryRun.client).not.toBe(first.client);
    expect(otherRegion.client).not.toBe(first.client);
    expect(await first.client.config.retryStrategy()).toMatchObject({ mode: 'standard' });
  });

  it('reaches the endpoint of AWS_ENDPOINT_URL, which the SDK honours by itself', async () => {
    const identity = await getCallerIdentity.run(fakeStepContext({ settings: { aws: { region: 'eu-central-1' } } }), {});
    expect(identity).toMatchObject({ Account: '123456789012' });
    const calls = await recordedCalls(moto.url);
    expect(calls).toContainEqual(expect.objectContaining({ service: 'sts', operation: 'GetCallerIdentity', region: 'eu-central-1' }));
  });
});

it('keeps the AWS SDK out of the step modules until a step runs', async () => {
  const folder = new URL('../../steps/aws/', import.meta.url);
  const offenders: string[] = [];
  for (const file of (await readdir(folder)).filter((name) => name.endsWith('.ts'))) {
    const source = await readFile(new URL(file, folder), 'utf8');
    for (const line of source.split('\n')) {
      if (/^\s*import\s+(?!type\b)[^;]*['"]@aws-sdk\//.test(line) || /^\s*export\s+[^;]*from\s+['"]@aws-sdk\//.test(line)) offenders.push(`${file}: ${line.trim()}`);
    }
  }
  expect(offenders).toEqual([]);
});

it('has a valid definition for every step type of the catalog, with a description on every input', async () => {
  for (const [type, load] of Object.entries(awsSteps)) {
    const definition = checkDefinition((await load()).default, `steps/aws for ${type}`);
    expect(definition.type).toBe(type);
    expect(definition.input.additionalProperties, type).toBe(false);
    for (const [name, property] of Object.entries((definition.input.properties ?? {}) as Record<string, { description?: string }>)) {
      expect(property.description, `${type} ${name}`).toMatch(/\S/);
    }
  }
});
