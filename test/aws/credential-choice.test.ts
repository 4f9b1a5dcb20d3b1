/**
 * A profile on the command line and keys in the environment: the SDK would print its own
 * "Multiple credential sources detected" block into the progress; stepwise says once, in its
 * words, which credentials it uses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCredentialChoice } from '../../aws/credential-source.js';
import { haveScript, rawScreen } from '../cli/support/terminal.js';
import { runCli } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';

useMoto({ region: 'us-east-1' });
let folder: string;

const RUNBOOK = `apiVersion: stepwise/v1
name: who-am-i
version: 1.0.0
steps:
  - id: first
    type: aws.sts.get-caller-identity
  - id: second
    type: aws.sts.get-caller-identity
`;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'stepwise-credential-choice-'));
  await writeFile(join(folder, 'config'), '[profile ops]\nregion = us-east-1\n');
  await writeFile(join(folder, 'credentials'), '[ops]\naws_access_key_id = AKIDOPSPROFILE\naws_secret_access_key = ops-secret\n');
  await writeFile(join(folder, 'who-am-i.yaml'), RUNBOOK);
});
afterAll(async () => rm(folder, { recursive: true, force: true }));

describeMoto('the credentials a run uses', () => {
  it('with --profile and keys in the environment: no SDK warning, one line saying the profile wins', async () => {
    const result = await runCli(['run', 'who-am-i.yaml', '--profile', 'ops', '--state-dir', join(folder, 'state')], {
      cwd: folder,
      env: { AWS_CONFIG_FILE: join(folder, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'), AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'env-secret' },
    });
    expect(result.code).toBe(0);
    expect(result.printed).not.toMatch(/Multiple credential sources|@aws-sdk/);
    const told = result.printed.match(/credentials: profile ops .*/g) ?? [];
    expect(told).toEqual(["credentials: profile ops (from --profile or the runbook's aws.profile); AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment are ignored"]);
  });

  it.skipIf(!haveScript)("keeps saying it on a terminal's live view once the step is over", async () => {
    const screen = await rawScreen(['run', join(folder, 'who-am-i.yaml'), '--profile', 'ops', '--state-dir', join(folder, 'state')], {
      AWS_CONFIG_FILE: join(folder, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'),
      AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
    });
    const plain = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).not.toMatch(/Multiple credential sources/);
    expect(plain).toMatch(/✔ first[^\n]*\n +ℹ credentials: profile ops \(from --profile/);
    expect(plain).toMatch(/✔ succeeded/);
  });
});

it('follows the SDK: a named profile skips the keys of the environment, and the client profile wins over AWS_PROFILE', () => {
  const keys = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' };
  expect(describeCredentialChoice(undefined, keys)).toBeUndefined();
  expect(describeCredentialChoice('ops', {})).toBeUndefined();
  expect(describeCredentialChoice('ops', { AWS_PROFILE: 'ops' })).toBeUndefined();
  expect(describeCredentialChoice(undefined, { ...keys, AWS_PROFILE: 'dev' })).toBe(
    'credentials: profile dev (from AWS_PROFILE); AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment are ignored',
  );
  expect(describeCredentialChoice('ops', { AWS_PROFILE: 'dev' })).toBe("credentials: profile ops (from --profile or the runbook's aws.profile); AWS_PROFILE=dev in the environment is ignored");
});
