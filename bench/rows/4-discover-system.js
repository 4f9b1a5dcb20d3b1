// discover-system against the how-to's aws CLI commands answering the same questions, on one
// moto seeded with 20 Datomic-like systems: both as an operator starts them, a fresh
// `stepwise run` against the sequence of fresh `aws` processes. Both answers are compared
// before anything is timed, and moto's request recorder counts the API calls of each.
import path from 'node:path';
import { CLI, compare, findOnPath, importBuilt, inWorkspace, REPO, row, runProcess, skippedRow } from '../lib/measure.js';

const SYSTEMS = 20;
const REGION = 'us-east-1';
/** A Production system with a query group: the richest report. */
const REPORTED = 'system-02';
const RUNBOOK = path.join(REPO, 'runbooks/datomic/discover-system.yaml');
const NAME = `discover-system -p system=… among ${SYSTEMS} systems`;
const BASELINE = "the how-to's aws CLI commands";
const STORAGE_STACKS = "Stacks[?Outputs[?OutputKey=='S3DatomicArn']].StackName";
const COMPUTE_STACKS = "Stacks[?Parameters[?ParameterKey=='SystemName']].[Parameters[?ParameterKey=='SystemName'] | [0].ParameterValue, StackName]";
const NODE_SYSTEMS = 'Reservations[*].Instances[*].[Tags[?Key==`datomic:system`].Value]';

export default async function discoverSystemRows({ repeat }) {
  const missing = [['moto_server', "pip install 'moto[server]'"], ['aws', 'the AWS CLI']];
  for (const [program, what] of missing) {
    if (!(await findOnPath(program))) return [skippedRow({ name: NAME, baseline: BASELINE, reason: `skipped: ${program} not installed (${what})` })];
  }
  // the seeding below uses the SDK in this process, on the Node this benchmark runs on
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { startMoto, warmUpMoto, recordedCalls, resetRecording } = await importBuilt('test/support/moto.js');
  const { seedCodeBucket, seedDatomicSystems } = await importBuilt('test/support/seed-datomic.js');
  return inWorkspace('discover', async (folder) => {
    const moto = await startMoto();
    try {
      await warmUpMoto(moto.url);
      await seedDatomicSystems(moto.url, seededSystems());
      await seedCodeBucket(moto.url, { region: REGION });
      await resetRecording(moto.url);
      const env = awsEnv(moto.url, folder);
      const stepwise = () => runStepwise(env, path.join(folder, 'state'));
      const awsCli = () => runHowTo(env, moto.url);
      const counted = async (contender) => {
        const before = (await recordedCalls(moto.url)).length;
        const result = contender();
        return { ...result, calls: (await recordedCalls(moto.url)).length - before };
      };
      // the counted runs warm moto and the disk cache up for the timed turns
      const measured = await counted(stepwise);
      const baseline = await counted(awsCli);
      assertSameAnswers(measured.answers, baseline.answers);
      const times = await compare({ awsCli: () => awsCli().ms, stepwise: () => stepwise().ms }, repeat, { warmUp: false });
      return [
        row({
          name: `${NAME} (${measured.calls} API calls)`,
          baseline: `${BASELINE} (${baseline.commands} commands, ${baseline.calls} API calls)`,
          baselineMs: times.awsCli,
          measuredMs: times.stepwise,
          target: 0.2,
        }),
      ];
    } finally {
      await moto.stop();
    }
  });
}

/** Every other system Production, every fourth with a query group, as a region with history has. */
function seededSystems() {
  return Array.from({ length: SYSTEMS }, (_, i) => {
    const production = i % 2 === 1;
    return { system: `system-${String(i + 1).padStart(2, '0')}`, region: REGION, topology: production ? 'production' : 'solo', version: production ? '973-9132' : '781-9041', queryGroups: i % 4 === 1 ? 1 : 0 };
  });
}

/** moto's endpoint and test keys; no profile or configuration file of the user's can interfere. */
function awsEnv(endpoint, folder) {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: path.join(folder, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(folder, 'aws-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CI: '1',
  };
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN']) delete env[name];
  return env;
}

function runStepwise(env, stateDir) {
  const { ms, stdout } = runProcess(process.execPath, [CLI, 'run', RUNBOOK, '--json', '-p', `system=${REPORTED}`, '-p', `region=${REGION}`, '--state-dir', stateDir], { env });
  const { systems, codeBucket, report } = JSON.parse(stdout).outputs;
  return {
    ms,
    answers: {
      systems: Object.fromEntries(systems.map((s) => [s.name, { computeGroups: [...s.computeGroups].sort(), runningNodes: s.runningNodes }])),
      bucket: report.bucket,
      storageOutputs: report.storage.outputs,
      computeGroups: Object.fromEntries(report.computeGroups.map((g) => [g.name, { application: g.application, outputs: g.outputs }])),
      production: report.topology === 'production',
      codeBucket,
    },
  };
}

/**
 * The how-to's "Find ..." sections as aws CLI commands, one after the other as an operator
 * pastes them: the systems (storage stacks), the running nodes (the how-to's own command), the
 * compute groups by their SystemName, the storage stack's outputs and S3 bucket, each compute
 * group's stack (application name, template outputs, topology), and the ion code bucket by its
 * tag (what the how-to's tag-based resource group shows).
 */
function runHowTo(env, endpoint) {
  let ms = 0;
  let commands = 0;
  const aws = (...args) => {
    const result = runProcess('aws', [...args, '--endpoint-url', endpoint], { env });
    ms += result.ms;
    commands += 1;
    return result.stdout;
  };
  const words = (text) => text.split(/\s+/).filter(Boolean);
  const systems = words(aws('cloudformation', 'describe-stacks', '--query', STORAGE_STACKS, '--output', 'text'));
  const nodeSystems = words(
    aws('ec2', 'describe-instances', '--region', REGION, '--filters', 'Name=tag-key,Values=datomic:tx-group', 'Name=instance-state-name,Values=running', '--query', NODE_SYSTEMS, '--output', 'text'),
  );
  const groupsOf = new Map(systems.map((system) => [system, []]));
  for (const line of aws('cloudformation', 'describe-stacks', '--query', COMPUTE_STACKS, '--output', 'text').split('\n').filter(Boolean)) {
    const [system, stack] = line.split('\t');
    groupsOf.get(system)?.push(stack);
  }
  const describeStack = (name) => JSON.parse(aws('cloudformation', 'describe-stacks', '--stack-name', name)).Stacks[0];
  const outputsOf = (stack) => Object.fromEntries(stack.Outputs.map((o) => [o.OutputKey, o.OutputValue]));
  const storageOutputs = outputsOf(describeStack(REPORTED));
  const groups = groupsOf.get(REPORTED).map(describeStack);
  const codeBucketArns = words(aws('resourcegroupstaggingapi', 'get-resources', '--tag-filters', 'Key=datomic:code', '--resource-type-filters', 's3', '--query', 'ResourceTagMappingList[].ResourceARN', '--output', 'text'));
  return {
    ms,
    commands,
    answers: {
      systems: Object.fromEntries(systems.map((system) => [system, { computeGroups: groupsOf.get(system).sort(), runningNodes: nodeSystems.filter((s) => s === system).length }])),
      bucket: storageOutputs.S3DatomicArn.split(':').at(-1),
      storageOutputs,
      computeGroups: Object.fromEntries(
        groups.map((stack) => [stack.StackName, { application: stack.Parameters.find((p) => p.ParameterKey === 'ApplicationName')?.ParameterValue, outputs: outputsOf(stack) }]),
      ),
      production: groups.some((stack) => outputsOf(stack).DatomicProductionCompute !== undefined),
      codeBucket: codeBucketArns[0]?.split(':').at(-1) ?? null,
    },
  };
}

/** A contender that answers less, or otherwise, must not pass as a faster one. */
function assertSameAnswers(stepwise, howTo) {
  for (const question of Object.keys(howTo)) {
    const [ours, theirs] = [stepwise[question], howTo[question]].map((answer) => JSON.stringify(sortedKeys(answer)));
    if (ours !== theirs) throw new Error(`discover-system and the aws CLI answer "${question}" differently:\n  stepwise: ${ours.slice(0, 800)}\n  aws CLI:  ${theirs.slice(0, 800)}`);
  }
}

function sortedKeys(value) {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys(value[key])]));
}
