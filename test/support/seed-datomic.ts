/**
 * Creates Datomic-like systems in moto from the templates in test/fixtures/datomic/, for
 * tests, `npm run demo` and the benchmarks. No vitest here: the demo uses this compiled.
 *
 * The templates are served the way Datomic serves its own: from an S3 bucket (in moto), at
 * URLs shaped like https://s3.amazonaws.com/datomic-cloud-1/cft/<cft>/<kind>-template-<code>-<cft>.json,
 * so that stacks are created and updated with `TemplateURL` as an operator would.
 */
import { CloudFormationClient, CreateStackCommand, type Parameter } from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type DatomicTemplateKind = 'storage' | 'solo-compute' | 'production-compute' | 'query-group';
export type DatomicTopology = 'solo' | 'production';

/** The bucket the templates are served from; the region is us-east-1, like Datomic's own. */
export const TEMPLATE_BUCKET = 'datomic-cloud-1';
export const DEFAULT_VERSION = '781-9041';

const TEMPLATE_KINDS: readonly DatomicTemplateKind[] = ['storage', 'solo-compute', 'production-compute', 'query-group'];
const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface SeedSystemOptions {
  /** The system name, which is also the storage stack's name. */
  system: string;
  region?: string;
  topology?: DatomicTopology;
  /** A release such as `781-9041`: `<cft>-<code>`, shown by the stacks' version outputs. */
  version?: string;
  /** How many query group stacks to add. */
  queryGroups?: number;
  /** Defaults to `<system>-compute`; any name is legal, as in Datomic. */
  computeStackName?: string;
}

export interface SeededSystem {
  system: string;
  region: string;
  version: string;
  topology: DatomicTopology;
  storageStackName: string;
  computeStackName: string;
  queryGroupStackNames: string[];
  /** The template URL of each kind, for this version. */
  templateUrls: Record<DatomicTemplateKind, string>;
}

/** Where a template of this kind and release is served from. */
export function datomicTemplateUrl(kind: DatomicTemplateKind, version: string): string {
  const { cft, code } = parseVersion(version);
  return `https://s3.amazonaws.com/${TEMPLATE_BUCKET}/cft/${cft}/${kind}-template-${code}-${cft}.json`;
}

/** Puts every kind of template for `version` into the template bucket and returns their URLs. */
export async function uploadDatomicTemplates(endpoint: string, version: string = DEFAULT_VERSION): Promise<Record<DatomicTemplateKind, string>> {
  const s3 = s3Client(endpoint, 'us-east-1');
  await createBucket(s3, TEMPLATE_BUCKET, 'us-east-1');
  const urls = {} as Record<DatomicTemplateKind, string>;
  for (const kind of TEMPLATE_KINDS) {
    const url = datomicTemplateUrl(kind, version);
    const key = new URL(url).pathname.split('/').slice(2).join('/');
    const body = JSON.stringify(await renderDatomicTemplate(kind, version), null, 2);
    await s3.send(new PutObjectCommand({ Bucket: TEMPLATE_BUCKET, Key: key, Body: body, ContentType: 'application/json' }));
    urls[kind] = url;
  }
  return urls;
}

/** A fixture template with the release's revisions in its version outputs. */
export async function renderDatomicTemplate(kind: DatomicTemplateKind, version: string): Promise<TemplateDocument> {
  const { cft, code } = parseVersion(version);
  const template = JSON.parse(await readFile(join(fixturesFolder(), `${kind}.json`), 'utf8')) as TemplateDocument;
  template.Outputs.DatomicCFTVersion!.Value = cft;
  if (template.Outputs.DatomicCloudVersion) template.Outputs.DatomicCloudVersion.Value = code;
  return template;
}

export interface TemplateDocument {
  Parameters: Record<string, unknown>;
  Resources: Record<string, unknown>;
  Outputs: Record<string, { Value: unknown; Description?: string }>;
  [section: string]: unknown;
}

/**
 * Creates a system: its storage stack, a Solo or Production compute stack (which starts its
 * nodes in EC2), and query group stacks. Every parameter is passed explicitly, as the
 * Datomic console does, so that an update can keep each with UsePreviousValue.
 */
export async function seedDatomicSystem(endpoint: string, options: SeedSystemOptions): Promise<SeededSystem> {
  const version = options.version ?? DEFAULT_VERSION;
  return createSystem(endpoint, options, await uploadDatomicTemplates(endpoint, version));
}

/** Many systems, the templates of each release uploaded once, `concurrency` systems at a time. */
export async function seedDatomicSystems(
  endpoint: string,
  systems: readonly SeedSystemOptions[],
  options: { concurrency?: number } = {},
): Promise<SeededSystem[]> {
  const versions = [...new Set(systems.map((system) => system.version ?? DEFAULT_VERSION))];
  const urlsByVersion = new Map(await Promise.all(versions.map(async (version) => [version, await uploadDatomicTemplates(endpoint, version)] as const)));
  const results: SeededSystem[] = new Array(systems.length);
  let next = 0;
  const worker = async () => {
    while (next < systems.length) {
      const index = next++;
      const system = systems[index]!;
      results[index] = await createSystem(endpoint, system, urlsByVersion.get(system.version ?? DEFAULT_VERSION)!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, systems.length)) }, worker));
  return results;
}

async function createSystem(endpoint: string, options: SeedSystemOptions, templateUrls: Record<DatomicTemplateKind, string>): Promise<SeededSystem> {
  const region = options.region ?? 'us-east-1';
  const topology = options.topology ?? 'solo';
  const version = options.version ?? DEFAULT_VERSION;
  const computeStackName = options.computeStackName ?? `${options.system}-compute`;
  const queryGroupStackNames = Array.from({ length: options.queryGroups ?? 0 }, (_, index) => `${options.system}-query-group-${index + 1}`);
  const cloudformation = new CloudFormationClient({ endpoint, region, credentials: TEST_CREDENTIALS });
  const createStack = (stackName: string, templateURL: string, parameters: Record<string, string>) =>
    cloudformation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateURL: templateURL,
        Parameters: toParameters(parameters),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
        Tags: [{ Key: 'datomic:system', Value: options.system }],
      }),
    );

  await createStack(options.system, templateUrls.storage, {
    Restart: 'false',
    VpcCidrBlock: '10.213.0.0/16',
    Subnet0CidrBlock: '10.213.0.0/20',
    Subnet1CidrBlock: '10.213.16.0/20',
    Subnet2CidrBlock: '10.213.32.0/20',
  });
  const groupParameters = (instanceType: string, desired: number, min: number, max: number) => ({
    SystemName: options.system,
    InstanceType: instanceType,
    KeyName: '',
    ApplicationName: options.system,
    EnvironmentMap: '{:env :test}',
    DesiredCapacity: String(desired),
    MinSize: String(min),
    MaxSize: String(max),
  });
  await createStack(
    computeStackName,
    topology === 'solo' ? templateUrls['solo-compute'] : templateUrls['production-compute'],
    topology === 'solo' ? groupParameters('t2.small', 1, 1, 1) : groupParameters('i3.large', 2, 2, 3),
  );
  await Promise.all(queryGroupStackNames.map((name) => createStack(name, templateUrls['query-group'], groupParameters('i3.large', 1, 1, 2))));
  cloudformation.destroy();
  return { system: options.system, region, version, topology, storageStackName: options.system, computeStackName, queryGroupStackNames, templateUrls };
}

/** The region's ion code bucket, shared by every system there and tagged `datomic:code`. */
export async function seedCodeBucket(endpoint: string, options: { region?: string; bucketName?: string } = {}): Promise<{ bucketName: string; region: string }> {
  const region = options.region ?? 'us-east-1';
  const bucketName = options.bucketName ?? `datomic-code-${region}-${Math.random().toString(16).slice(2, 10)}`;
  const s3 = s3Client(endpoint, region);
  await createBucket(s3, bucketName, region);
  await s3.send(new PutBucketTaggingCommand({ Bucket: bucketName, Tagging: { TagSet: [{ Key: 'datomic:code', Value: region }] } }));
  s3.destroy();
  return { bucketName, region };
}

function s3Client(endpoint: string, region: string): S3Client {
  return new S3Client({ endpoint, region, credentials: TEST_CREDENTIALS, forcePathStyle: true });
}

async function createBucket(s3: S3Client, bucket: string, region: string): Promise<void> {
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
  }
}

function toParameters(values: Record<string, string>): Parameter[] {
  return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

function parseVersion(version: string): { cft: string; code: string } {
  const match = /^(\d+)-(\d+(?:\.\d+)?)$/.exec(version);
  if (!match) throw new Error(`version ${JSON.stringify(version)} is not a Datomic release such as 781-9041`);
  return { cft: match[1]!, code: match[2]! };
}

/** test/fixtures/datomic, found from this file whether it runs from test/support or dist/test/support. */
function fixturesFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, 'test', 'fixtures', 'datomic');
    if (existsSync(join(candidate, 'storage.json'))) return candidate;
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`test/fixtures/datomic not found above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
}

/** What `npm run demo` and `npm run sandbox` show: a Solo and a Production system, and the code bucket. */
export interface DemoSystems {
  /** Solo, 781-9041: what convert-solo-to-production converts. */
  inventory: SeededSystem;
  /** Production, 973-9132, with one query group: what upgrade-schema upgrades. */
  orders: SeededSystem;
  codeBucket: string;
}

export async function seedDemoSystems(endpoint: string): Promise<DemoSystems> {
  const inventory = await seedDatomicSystem(endpoint, { system: 'inventory', topology: 'solo', version: '781-9041' });
  const orders = await seedDatomicSystem(endpoint, { system: 'orders', topology: 'production', version: '973-9132', queryGroups: 1 });
  const { bucketName } = await seedCodeBucket(endpoint, { region: 'us-east-1' });
  return { inventory, orders, codeBucket: bucketName };
}
