import { CloudFormationClient, DescribeStacksCommand, UpdateStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { GetBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { datomicTemplateUrl, seedCodeBucket, seedDatomicSystem, seedDatomicSystems } from '../support/seed-datomic.js';

const moto = useMoto();

function clients(region: string) {
  const config = { endpoint: moto.url, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return { cloudformation: new CloudFormationClient(config), ec2: new EC2Client(config), s3: new S3Client({ ...config, forcePathStyle: true }) };
}

async function stack(region: string, name: string): Promise<Stack> {
  const { Stacks } = await clients(region).cloudformation.send(new DescribeStacksCommand({ StackName: name }));
  return Stacks![0]!;
}

function outputs(stack: Stack): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!]));
}

async function instancesOf(region: string, system: string): Promise<Instance[]> {
  const { Reservations } = await clients(region).ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:datomic:system', Values: [system] }] }),
  );
  return (Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
}

function tag(instance: Instance, key: string): string | undefined {
  return instance.Tags?.find((candidate) => candidate.Key === key)?.Value;
}

describeMoto('seeding Datomic-like systems', () => {
  it('creates a Solo system whose stacks carry the parameters, outputs and tags of FACTS.md', async () => {
    const seeded = await seedDatomicSystem(moto.url, { system: 'alpha', region: 'us-east-1' });
    expect(seeded).toMatchObject({ storageStackName: 'alpha', computeStackName: 'alpha-compute', queryGroupStackNames: [], version: '781-9041' });

    const storage = await stack('us-east-1', 'alpha');
    expect(storage.StackStatus).toBe('CREATE_COMPLETE');
    expect(storage.Parameters!.map((parameter) => parameter.ParameterKey).sort()).toEqual(
      ['Restart', 'Subnet0CidrBlock', 'Subnet1CidrBlock', 'Subnet2CidrBlock', 'VpcCidrBlock'],
    );
    const storageOutputs = outputs(storage);
    expect(storageOutputs.S3DatomicArn).toMatch(/^arn:aws:s3:::alpha-s3datomic-[a-z0-9]+$/);
    expect(storageOutputs.DatomicCFTVersion).toBe('781');
    expect(storageOutputs.VpcId).toMatch(/^vpc-/);
    expect(storage.Outputs!.find((output) => output.OutputKey === 'FileSystemId')!.ExportName).toBe('alpha-FileSystemId');
    const bucket = storageOutputs.S3DatomicArn!.slice('arn:aws:s3:::'.length);
    const { TagSet } = await clients('us-east-1').s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    expect(TagSet).toContainEqual({ Key: 'datomic:system', Value: 'alpha' });

    const compute = await stack('us-east-1', 'alpha-compute');
    expect(compute.Parameters!.map((parameter) => parameter.ParameterKey).sort()).toEqual(
      ['ApplicationName', 'DesiredCapacity', 'EnvironmentMap', 'InstanceType', 'KeyName', 'MaxSize', 'MinSize', 'SystemName'],
    );
    const computeOutputs = outputs(compute);
    expect(computeOutputs).toMatchObject({ DatomicCFTVersion: '781', DatomicCloudVersion: '9041', SystemName: 'alpha', CodeDeployApplicationName: 'alpha' });
    expect(computeOutputs.ClientApiGatewayEndpoint).toMatch(/^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com$/);
    expect(computeOutputs.IonApiGatewayEndpoint).toMatch(/^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com$/);
    expect(computeOutputs.NodeSecurityGroup).toMatch(/^sg-/);
    expect(computeOutputs).not.toHaveProperty('DatomicProductionCompute');

    const running = (await instancesOf('us-east-1', 'alpha')).filter((instance) => instance.State?.Name === 'running');
    const nodes = running.filter((instance) => tag(instance, 'datomic:tx-group') !== undefined);
    expect(nodes.map((node) => [node.InstanceType, tag(node, 'datomic:tx-group'), tag(node, 'Name')])).toEqual([['t2.small', 'alpha-compute', 'alpha-compute']]);
    expect(running.filter((instance) => tag(instance, 'Name') === 'alpha-bastion')).toHaveLength(1);
  });

  it('creates several systems in several regions, with their own versions, topologies and query groups', async () => {
    const seeded = await seedDatomicSystems(moto.url, [
      { system: 'north', region: 'eu-west-1', topology: 'production', version: '973-9132', queryGroups: 2 },
      { system: 'south', region: 'us-west-2', version: '480-8770', computeStackName: 'south-primary' },
      { system: 'east', region: 'eu-west-1', topology: 'solo' },
    ]);
    expect(seeded.map((system) => system.computeStackName)).toEqual(['north-compute', 'south-primary', 'east-compute']);
    expect(seeded[0]!.queryGroupStackNames).toEqual(['north-query-group-1', 'north-query-group-2']);

    const north = outputs(await stack('eu-west-1', 'north-compute'));
    expect(north).toMatchObject({ DatomicCFTVersion: '973', DatomicCloudVersion: '9132' });
    expect(north.DatomicProductionCompute).toBeTruthy();
    const queryGroup = await stack('eu-west-1', 'north-query-group-2');
    expect(queryGroup.Parameters).toContainEqual({ ParameterKey: 'SystemName', ParameterValue: 'north' });
    expect(outputs(queryGroup)).toMatchObject({ DatomicCFTVersion: '973', DatomicCloudVersion: '9132' });
    expect(outputs(await stack('us-west-2', 'south-primary'))).toMatchObject({ DatomicCFTVersion: '480', DatomicCloudVersion: '8770' });

    const northNodes = (await instancesOf('eu-west-1', 'north')).filter((instance) => tag(instance, 'datomic:tx-group'));
    expect(northNodes.filter((node) => tag(node, 'datomic:tx-group') === 'north-compute').map((node) => node.InstanceType)).toEqual(['i3.large', 'i3.large']);
    expect(northNodes.filter((node) => tag(node, 'datomic:tx-group')!.startsWith('north-query-group-'))).toHaveLength(2);
    expect((await instancesOf('eu-west-1', 'east')).filter((node) => tag(node, 'datomic:tx-group')).map((node) => node.InstanceType)).toEqual(['t2.small']);
    expect(await instancesOf('us-east-1', 'north')).toEqual([]);
  });

  it('tags the region\'s ion code bucket datomic:code', async () => {
    const { bucketName } = await seedCodeBucket(moto.url, { region: 'eu-west-1' });
    const { TagSet } = await clients('eu-west-1').s3.send(new GetBucketTaggingCommand({ Bucket: bucketName }));
    expect(TagSet).toEqual([{ Key: 'datomic:code', Value: 'eu-west-1' }]);
  });

  it('converts Solo to Production by a TemplateURL update that keeps every parameter: the t2.small ends, two i3.large run', async () => {
    await seedDatomicSystem(moto.url, { system: 'convert', region: 'us-east-1', topology: 'solo' });
    const before = (await instancesOf('us-east-1', 'convert')).filter((instance) => tag(instance, 'datomic:tx-group'));
    expect(before.map((node) => [node.InstanceType, node.State?.Name])).toEqual([['t2.small', 'running']]);
    const previous = (await stack('us-east-1', 'convert-compute')).Parameters!;

    await clients('us-east-1').cloudformation.send(
      new UpdateStackCommand({
        StackName: 'convert-compute',
        TemplateURL: datomicTemplateUrl('production-compute', '781-9041'),
        Parameters: previous.map((parameter) => ({ ParameterKey: parameter.ParameterKey, UsePreviousValue: true })),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      }),
    );

    const after = await stack('us-east-1', 'convert-compute');
    expect(after.StackStatus).toBe('UPDATE_COMPLETE');
    expect(after.Parameters).toEqual(previous);
    expect(outputs(after).DatomicProductionCompute).toBeTruthy();
    const nodes = (await instancesOf('us-east-1', 'convert')).filter((instance) => tag(instance, 'datomic:tx-group'));
    const byState = (state: string) => nodes.filter((node) => node.State?.Name === state).map((node) => node.InstanceType);
    expect(byState('terminated')).toEqual(['t2.small']);
    expect(byState('running')).toEqual(['i3.large', 'i3.large']);
    expect(nodes.find((node) => node.InstanceId === before[0]!.InstanceId)!.State?.Name).toBe('terminated');
  });
});
