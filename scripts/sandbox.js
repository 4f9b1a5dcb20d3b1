#!/usr/bin/env node
// npm run sandbox: moto, a local AWS emulator, seeded with the demo's Datomic systems, kept
// running in the foreground until Ctrl-C (or SIGTERM), so that an operator can run every
// Datomic runbook by hand from another shell. It prints the one line to export there.
// Nothing here reaches AWS.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { findMotoServer, startMoto } = await import(path.join(root, 'dist/test/support/moto.js'));
const { seedDemoSystems } = await import(path.join(root, 'dist/test/support/seed-datomic.js'));
const { AdministerSystemClojure } = await import(path.join(root, 'dist/test/support/administer-system-clojure.js'));

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
/** The Clojure CLI version the stand-in reports: recent enough for install-prerequisites. */
const CLOJURE_CLI_VERSION = '1.12.0.1530';

if (!(await findMotoServer())) {
  console.error("npm run sandbox needs moto_server, the AWS emulator: pip install 'moto[server]'");
  process.exit(1);
}

// The folder holds the stand-in Clojure CLI and the user deps.edn install-prerequisites edits,
// so that the operator's own ~/.clojure stays as it is.
const folder = mkdtempSync(path.join(tmpdir(), 'stepwise-sandbox-'));
const moto = await startMoto();
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await moto.stop();
  rmSync(folder, { recursive: true, force: true });
  console.log('sandbox stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGHUP', () => void stop(0));

try {
  Object.assign(process.env, CREDENTIALS);
  const { inventory, orders, codeBucket } = await seedDemoSystems(moto.url);
  const bin = await writeClojureStandIn(folder);
  const exports = {
    AWS_ENDPOINT_URL: moto.url,
    ...CREDENTIALS,
    CLJ_CONFIG: path.join(folder, 'clojure'),
  };
  const line = `export ${Object.entries(exports).map(([name, value]) => `${name}=${value}`).join(' ')} PATH="${bin}:$PATH"`;
  const datomic = (name) => `runbooks/datomic/${name}.yaml`;
  console.log(`moto, the AWS emulator, answers on ${moto.url} with two Datomic-like systems in us-east-1:
  inventory  Solo, ${inventory.version}
  orders     Production, ${orders.version}, query group ${orders.queryGroupStackNames.join(', ')}
  the ion code bucket ${codeBucket}

In another shell, in this folder (${root}), export:

${line}

then run, for instance:
  npx stepwise run  ${datomic('install-prerequisites')}
  npx stepwise run  ${datomic('discover-system')} -p system=inventory
  npx stepwise plan ${datomic('convert-solo-to-production')} -p system=inventory -p templateUrl=${inventory.templateUrls['production-compute']}
  npx stepwise run  ${datomic('upgrade-schema')} -p system=orders -p 'databases=[movies]'

\`clojure\` is a stand-in there: it answers \`clojure -Sdescribe\` and every database's
administer-system call as a Datomic system would; the user deps.edn is ${path.join(exports.CLJ_CONFIG, 'deps.edn')}.
Ctrl-C stops the sandbox and forgets everything in it.`);
  // moto is a child process of ours, but nothing of ours keeps the event loop busy while we wait
  setInterval(() => undefined, 1 << 30);
} catch (error) {
  console.error(`npm run sandbox: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}

/**
 * A `clojure` for the sandbox's PATH: the tests' stand-ins, one for `-Sdescribe` (what
 * install-prerequisites asks) and one for the administer-system program (what upgrade-schema
 * runs), which answers any database with an empty result map.
 */
async function writeClojureStandIn(into) {
  const administer = path.join(into, 'administer-system');
  mkdirSync(administer);
  const standIn = await AdministerSystemClojure.create(administer);
  await standIn.answer({ '*': { kind: 'result', result: {} } });
  const bin = path.join(into, 'bin');
  mkdirSync(bin);
  const describe = path.join(root, 'test/datomic-runbooks/support/bin/clojure');
  const clojure = path.join(bin, 'clojure');
  writeFileSync(
    clojure,
    `#!/bin/sh\nif [ "$*" = -Sdescribe ]; then STAND_IN_CLOJURE_VERSION=${CLOJURE_CLI_VERSION} exec ${shellQuote(describe)} -Sdescribe; fi\nexec ${shellQuote(path.join(administer, 'clojure'))} "$@"\n`,
  );
  chmodSync(clojure, 0o755);
  return bin;
}

function shellQuote(text) {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
