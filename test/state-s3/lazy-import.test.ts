import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { CLI, CLI_TESTS_TIMEOUT_MS, workspace } from '../support/cli.js';

/** A module hook that names every import of the S3 SDK on stderr; PRELOAD does so for `require`, which aws/sdk-clients.ts uses. */
const HOOK = `export async function resolve(specifier, context, next) {
  if (specifier.includes('@aws-sdk/client-s3')) process.stderr.write('imported @aws-sdk/client-s3\\n');
  return next(specifier, context);
}
`;

const PRELOAD = `const Module = require('node:module');
const load = Module._load;
Module._load = function (request) {
  if (String(request).includes('@aws-sdk/client-s3')) process.stderr.write('imported @aws-sdk/client-s3\\n');
  return load.apply(this, arguments);
};
`;

it('runs with local state without importing the S3 SDK, and imports it for an s3:// state', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  const ws = workspace();
  const hook = ws.write('hook.mjs', HOOK);
  const register = ws.write('register.mjs', `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  const preload = ws.write('preload.cjs', PRELOAD);
  writeFileSync(ws.file('one.yaml'), 'apiVersion: stepwise/v1\nname: one\nversion: 1.0.0\nsteps:\n  - { id: a, type: set, with: { values: { n: 1 } } }\n');
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--require', preload, '--import', register, CLI, ...args], { cwd: ws.dir, encoding: 'utf8', env: { ...process.env, CI: '1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1' } });

  const local = cli('run', 'one.yaml', '--state-dir', ws.stateDir);
  expect(local.status, local.stderr).toBe(0);
  expect(local.stderr).not.toContain('imported @aws-sdk/client-s3');

  const shared = cli('runs', '--state', 's3://unreachable-bucket/team');
  expect(shared.stderr).toContain('imported @aws-sdk/client-s3');
  expect(shared.status, shared.stderr).toBe(2);
  expect(shared.stderr).toContain('could not reach S3 for the state in s3://unreachable-bucket/team (ECONNREFUSED)');
});
