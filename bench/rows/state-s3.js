// Team state in S3: what keeping a run's journal and lock in S3 (moto, on this machine) costs
// against the local run folder, and how many S3 requests each step makes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { compare, importBuilt, row, skippedRow } from '../lib/measure.js';

const STEPS = 200;
const PROGRAM = '/bin/true';
const BUCKET = 'stepwise-bench-state';

export default async function stateS3Rows({ repeat }) {
  const { findMotoServer, startMoto, recordedCalls, resetRecording, MOTO_INSTALL_HINT } = await importBuilt('test/support/moto.js');
  if (!(await findMotoServer())) {
    return [skippedRow({ name: `${STEPS} shell steps (${PROGRAM}) with the state in S3 (moto)`, baseline: 'the same with the local run folder', reason: `skipped: moto_server not installed (${MOTO_INSTALL_HINT})` })];
  }
  const moto = await startMoto();
  const restoreEnvironment = pointSdkAt(moto.url);
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-state-s3-'));
  try {
    const engine = await loadEngine();
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    await new S3Client({}).send(new CreateBucketCommand({ Bucket: BUCKET }));
    const run = await prepareRun(engine, workspace);
    const local = new engine.LocalStateBackend(path.join(workspace, 'state'));
    const s3 = await engine.openS3State(`s3://${BUCKET}/team`);
    const times = await compare({ local: () => run(local), s3: () => run(s3) }, repeat);

    await resetRecording(moto.url);
    await run(s3);
    const requests = (await recordedCalls(moto.url)).filter((call) => call.service === 's3').length;
    const perStep = (requests / STEPS).toFixed(1);
    return [
      row({
        name: `${STEPS} shell steps (${PROGRAM}) with the state in S3 (moto), ${perStep} S3 requests a step`,
        baseline: 'the same with the local run folder',
        baselineMs: times.local,
        measuredMs: times.s3,
      }),
    ];
  } finally {
    restoreEnvironment();
    await moto.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function loadEngine() {
  const modules = await Promise.all(
    [
      'engine/validate/validate-runbook.js',
      'engine/cli/builtins.js',
      'engine/execute/execute-runbook.js',
      'engine/report/plain-reporter.js',
      'engine/secrets.js',
      'engine/state/local-state-backend.js',
      'engine/state/run-record.js',
      'engine/state/hash-files.js',
      'engine/cli/run-command.js',
      'engine/version.js',
      'state/s3/s3-state-backend.js',
    ].map(importBuilt),
  );
  return Object.assign({}, ...modules);
}

/**
 * What `stepwise run` does once the runbook is valid, with a given state backend: the run
 * record with the runbook's hash, the run created and locked, executeRunbook with the journal
 * as an observer and the plain reporter writing nowhere, the lock released.
 */
async function prepareRun(engine, workspace) {
  const file = path.join(workspace, 'steps.yaml');
  const steps = Array.from({ length: STEPS }, (_, i) => `  - { id: step-${i + 1}, type: shell, with: { command: [${PROGRAM}] } }`);
  const text = ['apiVersion: stepwise/v1', 'name: bench-state', 'version: 1.0.0', 'steps:', ...steps, ''].join('\n');
  writeFileSync(file, text);
  const validation = await engine.validateRunbookFile(file, engine.builtInRegistry());
  if (!validation.ok) throw new Error(`${file} is not valid: ${JSON.stringify(validation.diagnostics)}`);
  const { runbook, registry } = validation;
  const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
  return async (backend) => {
    const started = performance.now();
    const record = {
      format: engine.RUN_FORMAT,
      runId: engine.newRunId(),
      runbook: { path: file, name: runbook.name, version: runbook.version, sha256: engine.hashFiles(await engine.runbookFiles(file, runbook, registry)) },
      params: {},
      secretParams: [],
      settingsOverrides: {},
      engineVersion: engine.ENGINE_VERSION,
      startedAt: new Date().toISOString(),
      host: os.hostname(),
      user: os.userInfo().username,
    };
    const { journal, lock } = await backend.create(record, text, () => {});
    let result;
    try {
      result = await engine.executeRunbook({
        runbook,
        runbookFile: file,
        registry,
        params: {},
        redactor: new engine.Redactor(),
        runId: record.runId,
        dryRun: false,
        assumeYes: false,
        interactive: false,
        settingsOverrides: {},
        signal: new AbortController().signal,
        reporter: new engine.PlainReporter(nowhere, false),
        observers: [journal],
      });
    } finally {
      await journal.close();
      await lock.release();
    }
    const ms = performance.now() - started;
    if (result.status !== 'succeeded') throw new Error(`the run ${result.status}: ${JSON.stringify(result.failure)}`);
    return ms;
  };
}

/** The SDK's own environment variables lead it to moto with test credentials; put back afterwards. */
function pointSdkAt(url) {
  const names = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  for (const name of names) delete process.env[name];
  const missing = path.join(os.tmpdir(), `stepwise-bench-no-aws-files-${process.pid}`);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(missing, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(missing, 'credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
