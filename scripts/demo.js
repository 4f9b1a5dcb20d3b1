#!/usr/bin/env node
// npm run demo: the Datomic runbooks against moto, a local AWS emulator, seeded with a Solo
// system and a Production system. Nothing here reaches AWS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { findMotoServer, startMoto } = await import(path.join(root, 'dist/test/support/moto.js'));
const { seedDemoSystems } = await import(path.join(root, 'dist/test/support/seed-datomic.js'));

const cli = path.join(root, 'dist/engine/cli.js');
const runbook = (name) => path.join('runbooks/datomic', `${name}.yaml`);
const stateDir = mkdtempSync(path.join(tmpdir(), 'stepwise-demo-'));

function say(text) {
  const bold = process.stdout.isTTY && !process.env.NO_COLOR;
  console.log(bold ? `\n\u001b[1m== ${text}\u001b[22m` : `\n== ${text}`);
}

function stepwise(env, ...args) {
  console.log(`\n$ stepwise ${args.join(' ')}`);
  execFileSync(process.execPath, [cli, ...args], { stdio: 'inherit', cwd: root, env });
}

if (!(await findMotoServer())) {
  console.error("npm run demo needs moto_server, the AWS emulator: pip install 'moto[server]'");
  process.exit(1);
}

say('Starting moto, a local AWS emulator, on a loopback port');
const moto = await startMoto();
try {
  const env = { ...process.env, AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });

  say(`Seeding two Datomic-like systems in ${moto.url}: "inventory" (Solo, 781-9041) and "orders" (Production, 973-9132, one query group)`);
  const { inventory } = await seedDemoSystems(moto.url);

  say('Validating the Datomic runbooks');
  stepwise(env, 'validate', ...['discover-system', 'convert-solo-to-production'].map(runbook));

  say('Listing the region\'s systems');
  stepwise(env, 'run', runbook('discover-system'), '--state-dir', stateDir);

  say('Describing the Solo system, every step a read');
  stepwise(env, 'run', runbook('discover-system'), '-p', 'system=inventory', '--state-dir', stateDir);

  const conversion = [runbook('convert-solo-to-production'), '-p', 'system=inventory', '-p', `templateUrl=${inventory.templateUrls['production-compute']}`];
  say('Dry-running the conversion of "inventory" from Solo to Production: the plan shows the exact UpdateStack request');
  stepwise(env, 'plan', ...conversion);

  say('Converting "inventory" (moto finishes the update at once; on AWS it takes ten minutes or more)');
  stepwise(env, 'run', ...conversion, '--yes', '--state-dir', stateDir);

  say('The runs this demo made');
  stepwise(env, 'runs', '--state-dir', stateDir);

  console.log(`
To run the same runbooks against a real AWS account, with your own credentials:
  npx stepwise run runbooks/datomic/discover-system.yaml -p region=us-east-1 [-p profile=NAME] [-p system=NAME]
It only reads; \`npx stepwise plan ...\` shows the same report without recording a run.
  npx stepwise plan runbooks/datomic/convert-solo-to-production.yaml -p system=NAME -p templateUrl=URL
shows the UpdateStack request the conversion would send; \`run\` asks before it sends it.`);
} finally {
  await moto.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
