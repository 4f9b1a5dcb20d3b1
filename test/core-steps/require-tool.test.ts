import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StepFailure } from '../../engine/step-failure.js';
import requireTool, { compareVersions, type RequireToolInput } from '../../steps/core/require-tool.js';
import { fakeStepContext } from '../support/step-context.js';
import { rejectionOf } from './rejection-of.js';

const CLOJURE_DESCRIBE = `{:version "1.12.0.1530"
 :config-files ["/usr/local/lib/clojure/deps.edn" "/home/op/.clojure/deps.edn" "deps.edn" ]
 :config-user "/home/op/.clojure/deps.edn"
 :config-project "deps.edn"
 :install-dir "/usr/local/lib/clojure"
 :config-dir "/home/op/.clojure"
 :cache-dir ".cpcache"
 :force false
 :repro false
 :main-aliases ""
 :repl-aliases ""}`;

/** Stand-in executables, one folder per variant, each folder put first on PATH by a test. */
const standIns = {
  awsV1: ['aws', 'echo "aws-cli/1.45.11 Python/3.11.7 Linux/6.8.0-1019-aws botocore/1.43.11" >&2'],
  awsV2: ['aws', 'echo "aws-cli/2.15.30 Python/3.11.8 Linux/6.8.0-1019-aws exe/x86_64.ubuntu.22 prompt/off"'],
  awsOld: ['aws', 'echo "aws-cli/1.10.0 Python/2.7.18 Linux/4.14 botocore/1.4.1" >&2'],
  clojure: ['clojure', `cat <<'EDN'\n${CLOJURE_DESCRIBE}\nEDN`],
  mute: ['quiet-tool', 'echo "no version here"; exit 2'],
} as const;

let workDir: string;
const originalPath = process.env.PATH;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'stepwise-require-tool-'));
  for (const [variant, [name, body]] of Object.entries(standIns)) {
    await mkdir(path.join(workDir, variant));
    const file = path.join(workDir, variant, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
  }
});
afterEach(() => {
  process.env.PATH = originalPath;
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function withStandIn(variant: keyof typeof standIns): string {
  process.env.PATH = `${path.join(workDir, variant)}${path.delimiter}${originalPath}`;
  return path.join(workDir, variant, standIns[variant][0]);
}

function run(input: RequireToolInput) {
  return requireTool.run(fakeStepContext({ runbookDir: workDir }), input);
}

async function failureOf(promise: Promise<unknown>): Promise<StepFailure> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(StepFailure);
  return error as StepFailure;
}

const installAws = 'Install AWS CLI v2: <https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html>';

describe('require-tool', () => {
  it('finds the aws v1 version on stderr', async () => {
    const file = withStandIn('awsV1');
    await expect(run({ command: ['aws', '--version'], minVersion: '1.11.170' })).resolves.toEqual({
      name: 'aws',
      version: '1.45.11',
      path: file,
    });
  });

  it('finds the aws v2 version on stdout', async () => {
    const file = withStandIn('awsV2');
    await expect(run({ command: 'aws --version', minVersion: '2.0.0', name: 'AWS CLI' })).resolves.toEqual({
      name: 'AWS CLI',
      version: '2.15.30',
      path: file,
    });
  });

  it('refuses a version older than minVersion, naming both and how to install', async () => {
    withStandIn('awsOld');
    const failure = await failureOf(run({ command: ['aws', '--version'], minVersion: '1.11.170', install: installAws }));
    expect(failure).toMatchObject({ code: 'tool-too-old', retryable: false });
    expect(failure.message).toContain('aws 1.10.0 is too old');
    expect(failure.message).toContain('needs 1.11.170 or later');
    expect(failure.message).toContain(installAws);
  });

  it('reads the Clojure CLI version from the -Sdescribe EDN map with a pattern', async () => {
    const file = withStandIn('clojure');
    const input = { command: ['clojure', '-Sdescribe'], pattern: ':version\\s+"([^"]+)"' };
    await expect(run({ ...input, minVersion: '1.11.1.1413' })).resolves.toEqual({
      name: 'clojure',
      version: '1.12.0.1530',
      path: file,
    });
    const failure = await failureOf(run({ ...input, minVersion: '1.12.0.1531' }));
    expect(failure.code).toBe('tool-too-old');
  });

  it('fails with tool-missing and the install text when the tool is not on PATH', async () => {
    const failure = await failureOf(run({ command: ['stepwise-absent-tool', '--version'], install: installAws }));
    expect(failure).toMatchObject({ code: 'tool-missing', retryable: false });
    expect(failure.message).toContain('no executable `stepwise-absent-tool` on PATH');
    expect(failure.message).toContain(installAws);
  });

  it('fails with tool-version-unknown when the output holds no version', async () => {
    withStandIn('mute');
    const failure = await failureOf(run({ command: ['quiet-tool', '--version'], minVersion: '1.0' }));
    expect(failure).toMatchObject({ code: 'tool-version-unknown', retryable: false });
    expect(failure.message).toContain('exited with code 2');
    expect(failure.details).toContain('no version here');
  });

  it('names a pattern that is not a regular expression', async () => {
    withStandIn('awsV2');
    const failure = await failureOf(run({ command: ['aws', '--version'], pattern: '(unclosed' }));
    expect(failure).toMatchObject({ code: 'invalid-input', retryable: false });
    expect(failure.message).toContain('"(unclosed"');
  });
});

describe('compareVersions', () => {
  it.each([
    ['1.11.170', '1.45.11', -1],
    ['1.45.11', '1.11.170', 1],
    ['1.12.0.1530', '1.12.0', 1],
    ['1.12.0.1530', '1.12.1', -1],
    ['1.10', '1.10.0', 0],
    ['v2.15.30', '2.15.3', 1],
    ['2.0.0-rc1', '2.0.0', 0],
    ['10.0', '9.99', 1],
  ])('compares %s with %s as %i', (left, right, expected) => {
    expect(compareVersions(left, right)).toBe(expected);
  });
});
