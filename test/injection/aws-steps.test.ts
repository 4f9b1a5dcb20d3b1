/**
 * Hostile parameter values through the AWS step types against moto, in one `stepwise run`:
 * each reaches AWS as the one request parameter it stands for, exactly as given (moto's
 * request recorder shows what arrived), AWS's refusals come back as step failures with
 * readable messages, and nothing in a value runs.
 */
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { resetRecording } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedCodeBucket, seedDatomicSystem } from '../support/seed-datomic.js';
import { allPayloads, markerFiles, markerFolder } from './payloads.js';

const STACK_TRACE = /^\s+at .+|^\w*Error:|node:internal/m;
const moto = useMoto();

/** The other step types that name a stack, each value going to one of them in turn. */
const MORE_STACK_STEPS = [
  (value: string) => `type: aws.cloudformation.describe-stack-events\n    with: { stackName: "${value}" }`,
  (value: string) => `type: aws.cloudformation.update-stack\n    with: { stackName: "${value}", templateUrl: "https://example.invalid/template.json", usePreviousParameters: true }`,
  (value: string) => `type: aws.cloudformation.wait\n    with: { stackName: "${value}", status: UPDATE_COMPLETE }`,
];

/**
 * Stack lookups per value, since a forEach stops at its first failed item and every lookup
 * fails: no stack has such a name.
 */
function runbookText(count: number): string {
  const lookups = Array.from({ length: count }, (_, index) => {
    const value = `\${{ params.payloads[${index}] }}`;
    return `  - id: stack-${index}
    type: aws.cloudformation.describe-stacks
    onFailure: continue
    with: { stackName: "${value}" }
  - id: call-${index}
    type: aws.call
    onFailure: continue
    with: { service: cloudformation, operation: DescribeStacks, input: { StackName: "${value}" } }
  - id: more-${index}
    onFailure: continue
    ${MORE_STACK_STEPS[index % MORE_STACK_STEPS.length]!(value)}
`;
  }).join('');
  return `apiVersion: stepwise/v1
name: aws-injection
version: 1.0.0
params:
  payloads: { type: array, items: { type: string } }
steps:
${lookups}  - id: instances
    type: aws.ec2.describe-instances
    forEach: "\${{ params.payloads }}"
    with: { filters: [{ Name: "tag:datomic:system", Values: ["\${{ item }}"] }] }
    outputs: { count: "length(Reservations)" }
  - id: buckets
    type: aws.s3.find-buckets-by-tag
    forEach: "\${{ params.payloads }}"
    with: { key: "\${{ item }}" }
    outputs: { count: "length(Buckets)" }
outputs:
  instances: "\${{ steps.instances.outputs[].count }}"
  buckets: "\${{ steps.buckets.outputs[].count }}"
`;
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  body_encoded: boolean;
}

/** The form parameters of every query-protocol request moto received for `action`. */
async function receivedParameters(action: string): Promise<URLSearchParams[]> {
  const response = await fetch(`${moto.url}/moto-api/recorder/download-recording`);
  const lines = (await response.text()).split('\n').filter((line) => line.trim() !== '');
  return lines
    .map((line) => JSON.parse(line) as RecordedRequest)
    .map((request) => new URLSearchParams(request.body_encoded && request.body ? Buffer.from(request.body, 'base64').toString('utf8') : (request.body ?? '')))
    .filter((parameters) => parameters.get('Action') === action);
}

interface RunDocument {
  status: string;
  outputs: { instances: number[]; buckets: number[] };
  steps: { id: string; status: string; error?: { message: string } }[];
}

describeMoto('hostile parameter values through the AWS step types', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'stepwise-injection-aws-'));
  const marker = markerFolder();
  const payloads = allPayloads(marker);
  let stderr: string;
  let run: RunDocument;

  beforeAll(async () => {
    await seedDatomicSystem(moto.url, { system: 'orders', topology: 'solo' });
    await seedCodeBucket(moto.url);
    await resetRecording(moto.url);
    writeFileSync(path.join(folder, 'aws.yaml'), runbookText(payloads.length));
    const result = await runCli(['run', path.join(folder, 'aws.yaml'), '--json', '--state-dir', path.join(folder, 'state'), '-p', `payloads=${JSON.stringify(payloads)}`]);
    stderr = result.stderr;
    run = JSON.parse(result.stdout) as RunDocument;
  }, 180_000);

  afterAll(() => {
    for (const created of [folder, marker]) rmSync(created, { recursive: true, force: true });
  });

  it('runs nothing that a value holds, and shows no stack trace', () => {
    expect(markerFiles(marker)).toEqual([]);
    expect(stderr).not.toMatch(STACK_TRACE);
    expect(stderr).not.toContain('internal error');
  });

  it('sends each value to CloudFormation as the stack name, unchanged, from every step type that names a stack', async () => {
    const requests = [...(await receivedParameters('DescribeStacks')), ...(await receivedParameters('DescribeStackEvents'))];
    const names = requests.map((parameters) => parameters.get('StackName'));
    // describe-stacks, aws.call, then one of the others, which each describe the stack once
    expect(names.sort()).toEqual(payloads.flatMap((payload) => [payload, payload, payload]).sort());
    expect(await receivedParameters('UpdateStack')).toEqual([]);
  });

  it('fails the lookups of stacks that do not exist as steps, with the refusal in words', () => {
    const lookups = run.steps.filter((step) => /^(stack|call|more)-\d+$/.test(step.id));
    expect(lookups).toHaveLength(payloads.length * 3);
    for (const step of lookups) {
      expect(step.status, step.id).toBe('failed');
      expect(step.error?.message, step.id).toMatch(/^(stack ".*" does not exist in us-east-1|cloudformation:DescribeStack(s|Events) in us-east-1 failed: ValidationError: )/s);
    }
  });

  it('filters EC2 instances on each value as a literal tag value', async () => {
    const filters = await receivedParameters('DescribeInstances');
    expect(filters.map((parameters) => [parameters.get('Filter.1.Name'), parameters.get('Filter.1.Value.1')])).toEqual(payloads.map((payload) => ['tag:datomic:system', payload]));
    expect(run.outputs.instances).toEqual(payloads.map(() => 0));
  });

  it('looks for buckets by each value as a tag key, finding none', () => {
    expect(run.outputs.buckets).toEqual(payloads.map(() => 0));
  });
});
