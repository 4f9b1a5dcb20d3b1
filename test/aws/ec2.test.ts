import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import describeInstances from '../../steps/aws/ec2-describe-instances.js';
import { parseFilters } from '../../steps/aws/ec2-filters.js';
import { recordedCalls, recordingMark } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedDatomicSystems } from '../support/seed-datomic.js';
import { fakeStepContext } from '../support/step-context.js';

const moto = useMoto();
const EXTRA_RESERVATIONS = 105; // moto's DescribeInstances pages hold 100 reservations

interface InstanceJson {
  InstanceId: string;
  InstanceType: string;
  State: { Name: string };
  Tags?: Array<{ Key: string; Value: string }>;
}

async function instances(input: Parameters<typeof describeInstances.run>[1]): Promise<InstanceJson[]> {
  const result = (await describeInstances.run(fakeStepContext(), input)) as unknown as { Reservations: Array<{ Instances: InstanceJson[] }> };
  return result.Reservations.flatMap((reservation) => reservation.Instances);
}

const tagOf = (instance: InstanceJson, key: string) => instance.Tags?.find((tag) => tag.Key === key)?.Value;

describe('EC2 filters as the AWS CLI writes them', () => {
  it('reads the shorthand, several values included, and the object form', () => {
    expect(
      parseFilters([
        'Name=tag-key,Values=datomic:tx-group',
        'Name=instance-state-name,Values=running,stopped',
        { Name: 'tag:datomic:system', Values: ['a,b'] },
      ]),
    ).toEqual([
      { Name: 'tag-key', Values: ['datomic:tx-group'] },
      { Name: 'instance-state-name', Values: ['running', 'stopped'] },
      { Name: 'tag:datomic:system', Values: ['a,b'] },
    ]);
  });

  it('names the filter that is not one', () => {
    expect(() => parseFilters(['Name=tag-key,Values=x', 'Name=tag-key'])).toThrow(
      'filters[1] "Name=tag-key" is not a filter: write it as "Name=NAME,Values=VALUE1,VALUE2", such as "Name=tag-key,Values=datomic:tx-group"',
    );
  });
});

describeMoto('aws.ec2.describe-instances against moto', () => {
  let terminatedId: string;

  beforeAll(async () => {
    await seedDatomicSystems(moto.url, [
      { system: 'ledger', topology: 'solo' },
      { system: 'payroll', topology: 'production' },
    ]);
    const ec2 = new EC2Client({ endpoint: moto.url, region: moto.region });
    const ids: string[] = [];
    // one at a time: moto serves concurrent RunInstances several times slower
    for (let count = 0; count < EXTRA_RESERVATIONS; count += 1) {
      const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0a1b2c3d4e5f60718', MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }));
      ids.push(run.Instances![0]!.InstanceId!);
    }
    terminatedId = ids[0]!;
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [terminatedId] }));
  });

  it("finds the running Datomic nodes with the how-to's own filters", async () => {
    const nodes = await instances({ filters: ['Name=tag-key,Values=datomic:tx-group', 'Name=instance-state-name,Values=running'] });
    expect(nodes.map((node) => [tagOf(node, 'datomic:system'), node.InstanceType]).sort()).toEqual([
      ['ledger', 't2.small'],
      ['payroll', 'i3.large'],
      ['payroll', 'i3.large'],
    ]);
  });

  it('takes filters as objects, and instance ids', async () => {
    const payroll = await instances({ filters: [{ Name: 'tag:datomic:system', Values: ['payroll'] }] });
    expect(payroll.map((instance) => tagOf(instance, 'Name')).sort()).toEqual(['payroll-bastion', 'payroll-compute', 'payroll-compute']);
    const one = await instances({ instanceIds: [payroll[0]!.InstanceId] });
    expect(one.map((instance) => instance.InstanceId)).toEqual([payroll[0]!.InstanceId]);
  });

  it('follows the pages when there are more reservations than one page holds', async () => {
    const mark = await recordingMark(moto.url);
    const all = await instances({});
    expect(all.length).toBe(EXTRA_RESERVATIONS + 1 + 1 + 2 + 1); // extras, ledger node and bastion, payroll nodes and bastion
    expect(all.find((instance) => instance.InstanceId === terminatedId)!.State.Name).toBe('terminated');
    const pages = (await recordedCalls(moto.url)).slice(mark.count).filter((call) => call.operation === 'DescribeInstances');
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves out instances in other states when filtering on the state', async () => {
    const running = await instances({ filters: ['Name=instance-state-name,Values=running'] });
    expect(running.map((instance) => instance.InstanceId)).not.toContain(terminatedId);
    expect(running.length).toBe(EXTRA_RESERVATIONS - 1 + 5);
  });
});
