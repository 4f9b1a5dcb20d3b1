/**
 * The AWS client configuration (aws/sdk-clients.ts) against faults in a row, one service at
 * a time: what a fault rate of 20% produces now and then must not fail a call, and when AWS
 * keeps failing the operator reads what happened. Each test has a region of its own, so a
 * client built for it sees the environment the test set.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../engine/json.js';
import type { StepContext } from '../../engine/step-definition.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../aws/sdk-clients.js';
import { openS3State } from '../../state/s3/s3-state-backend.js';
import describeStacks from '../../steps/aws/cloudformation-describe-stacks.js';
import describeInstances from '../../steps/aws/ec2-describe-instances.js';
import listBuckets from '../../steps/aws/s3-list-buckets.js';
import getCallerIdentity from '../../steps/aws/sts-get-caller-identity.js';
import { FAULT_KINDS, startFaultProxy, type FaultKind, type FaultProxy } from '../support/fault-proxy.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { fakeStepContext } from '../support/step-context.js';
import { newBucket, testS3 } from '../state-s3/support/s3.js';
import { FAULT_SEED } from './run-through-proxy.js';

const moto = useMoto();

interface Call {
  service: string;
  run: (ctx: StepContext) => Promise<JsonValue>;
}

const CALLS: Call[] = [
  { service: 'sts', run: (ctx) => getCallerIdentity.run(ctx, {}) },
  { service: 'cloudformation', run: (ctx) => describeStacks.run(ctx, {}) },
  { service: 'ec2', run: (ctx) => describeInstances.run(ctx, {}) },
  { service: 's3', run: (ctx) => listBuckets.run(ctx, {}) },
];

/** Every failing fault once, the throttle first: its back-off is the longest and grows with each retry. */
const EVERY_FAILURE_IN_A_ROW: FaultKind[] = ['throttle', 'internal-error', 'unavailable', 'reset'];

const regions = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'eu-central-1', 'ap-south-1', 'ap-northeast-1', 'sa-east-1'];
const contextInOwnRegion = (): StepContext => fakeStepContext({ settings: { aws: { region: regions.shift()! } as JsonObject } });

describeMoto('AWS clients under faults in a row', () => {
  let proxy: FaultProxy;
  let endpoint: string | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: moto.url, seed: FAULT_SEED, rate: 0 });
    endpoint = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = proxy.url;
  });
  afterEach(() => {
    delete process.env.AWS_MAX_ATTEMPTS;
    proxy.configure({ only: undefined });
    proxy.clearRecords();
  });
  afterAll(async () => {
    process.env.AWS_ENDPOINT_URL = endpoint;
    await proxy?.close();
  });

  it(`makes ${DEFAULT_MAX_ATTEMPTS} attempts, so that a call rides out a throttle, a 500, a 503 and a dropped connection in a row`, async () => {
    expect(EVERY_FAILURE_IN_A_ROW).toHaveLength(DEFAULT_MAX_ATTEMPTS - 1);
    const ctx = contextInOwnRegion();
    for (const call of CALLS) {
      proxy.configure({ only: (request) => request.service === call.service });
      proxy.failNext(EVERY_FAILURE_IN_A_ROW);
      await expect(call.run(ctx), call.service).resolves.toBeDefined();
      expect(proxy.records.filter((record) => record.service === call.service).map((record) => record.outcome)).toEqual([...EVERY_FAILURE_IN_A_ROW, 'forwarded']);
    }
  }, 60_000);

  it('configures the S3 state\'s client as the steps\' own: the same faults in a row, and stepwise\'s user agent', async () => {
    const bucket = await newBucket(testS3(moto.url), 'state-client');
    const state = await openS3State(`s3://${bucket}/runs?region=${regions.shift()!}`);
    proxy.configure({ only: (request) => request.service === 's3' });
    proxy.failNext(EVERY_FAILURE_IN_A_ROW);
    await expect(state.ids()).resolves.toEqual([]);
    const records = proxy.records.filter((record) => record.service === 's3');
    // listing the runs takes more than one request: the first rode out every fault
    const outcomes = records.map((record) => record.outcome);
    expect(outcomes.slice(0, EVERY_FAILURE_IN_A_ROW.length + 1)).toEqual([...EVERY_FAILURE_IN_A_ROW, 'forwarded']);
    expect(new Set(outcomes.slice(EVERY_FAILURE_IN_A_ROW.length))).toEqual(new Set(['forwarded']));
    expect(records.every((record) => /\bstepwise\/\d/.test(record.userAgent))).toBe(true);
  }, 60_000);

  it('names the call, the region, the fault and how often it was tried when every attempt fails', async () => {
    process.env.AWS_MAX_ATTEMPTS = '2';
    const expected: Record<Exclude<FaultKind, 'latency'>, RegExp> = {
      throttle: /^sts:GetCallerIdentity in \S+: AWS throttled the request 2 times in a row \(Throttling\)\. Too many calls/,
      'internal-error': /^sts:GetCallerIdentity in \S+ failed 2 times in a row: InternalFailure: /,
      unavailable: /^sts:GetCallerIdentity in \S+ failed 2 times in a row: ServiceUnavailable: /,
      reset: /^sts:GetCallerIdentity in \S+: the endpoint dropped the connection \(ECONNRESET\) 2 times in a row\. Check the network/,
    };
    for (const kind of FAULT_KINDS.filter((fault) => fault !== 'latency')) {
      proxy.failNext([kind, kind]);
      const failure = await getCallerIdentity.run(contextInOwnRegion(), {}).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message, kind).toMatch(expected[kind as keyof typeof expected]);
    }
  }, 60_000);
});
