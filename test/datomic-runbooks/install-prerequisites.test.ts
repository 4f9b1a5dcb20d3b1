import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { diffChars } from 'diff';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { valueAtPath } from '../edn/read-independently.js';
import { describeMoto, useMoto } from '../support/moto-env.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/engine/cli.js');
const runbook = path.join(root, 'runbooks/datomic/install-prerequisites.yaml');
const standIns = path.join(import.meta.dirname, 'support/bin');
const originalPath = process.env.PATH ?? '';

const REPOSITORY = '{:url "s3://datomic-releases-1fc2183a/maven/releases"}';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AWS_INSTALL_PAGE = 'https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html';
const CLOJURE_INSTALL_PAGE = 'https://clojure.org/guides/install_clojure';

interface Workstation {
  root: string;
  home: string;
  bin: string;
  state: string;
}

type AwsCli = 'stand-in' | 'real' | 'missing';
type ClojureCli = 'stand-in' | 'missing';

interface Outputs {
  checked: string[];
  alreadyInPlace: string[];
  changed: string[];
  backups: string[];
  account: string;
  principal: string;
  userDepsFile: string;
}

interface StepReport {
  id: string;
  status: string;
  outputs: Record<string, unknown> | null;
  plans?: { status: string; plan: string | { summary: string; details?: string } }[];
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json?: { runId: string | null; status: string; outputs: Outputs; steps: StepReport[]; failure?: Failure };
}

interface Failure {
  stepId: string;
  code: string;
  message: string;
}

const workstations: string[] = [];

/**
 * A temporary HOME with a `datomic` profile in ~/.aws, and a folder that is the whole PATH: it
 * holds the stand-in `aws` and `clojure`, a wrapper that runs the real AWS CLI, or nothing.
 */
async function workstation(tools: { aws?: AwsCli; clojure?: ClojureCli } = {}): Promise<Workstation> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stepwise-prerequisites-'));
  workstations.push(dir);
  const station = { root: dir, home: path.join(dir, 'home'), bin: path.join(dir, 'bin'), state: path.join(dir, 'state') };
  await mkdir(path.join(station.home, '.aws'), { recursive: true });
  await mkdir(station.bin);
  await writeFile(
    path.join(station.home, '.aws/credentials'),
    `[datomic]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${SECRET_KEY}\n`,
  );
  const aws = tools.aws ?? 'stand-in';
  if (aws === 'stand-in') await symlink(path.join(standIns, 'aws'), path.join(station.bin, 'aws'));
  if (aws === 'real') await writeRealAwsWrapper(path.join(station.bin, 'aws'));
  if ((tools.clojure ?? 'stand-in') === 'stand-in') await symlink(path.join(standIns, 'clojure'), path.join(station.bin, 'clojure'));
  return station;
}

/** The real AWS CLI may be a script that needs the PATH it was installed with (a pyenv shim, say). */
async function writeRealAwsWrapper(file: string): Promise<void> {
  const realAws = await findOnPath('aws', originalPath);
  await writeFile(file, `#!/bin/sh\nPATH=${shellQuote(originalPath)}\nexport PATH\nexec ${shellQuote(realAws)} "$@"\n`, { mode: 0o755 });
}

async function findOnPath(program: string, searchPath: string): Promise<string> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, program);
    if (await isExecutableFile(file)) return file;
  }
  throw new Error(`\`${program}\` is not on PATH (${searchPath}): these tests run the real AWS CLI, install it first`);
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

const moto = useMoto();

/** Runs the CLI in a clean environment: nothing of this process's AWS, Clojure or PATH settings leaks in. */
async function stepwise(station: Workstation, args: string[], env: Record<string, string> = {}): Promise<Result> {
  const environment = {
    HOME: station.home,
    PATH: station.bin,
    STAND_IN_AWS_CLI_VERSION: '1.45.11',
    STAND_IN_CLOJURE_VERSION: '1.12.0.1530',
    AWS_ENDPOINT_URL: moto.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
  };
  const argv = [cli, ...args, '--json', '--state-dir', station.state];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { env: environment, cwd: station.root, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr, json: JSON.parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    // a failed run still prints its JSON report; bad parameters print none
    const json = failed.stdout.startsWith('{') ? JSON.parse(failed.stdout) : undefined;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, json };
  }
}

function failureOf(result: Result): Failure {
  expect(result.code, result.stderr).toBe(1);
  const failure = result.json?.failure;
  if (!failure) throw new Error(`the run did not fail with a report:\n${result.stdout}\n${result.stderr}`);
  return failure;
}

function install(station: Workstation, mode: 'run' | 'plan', params: Record<string, string>, env: Record<string, string> = {}): Promise<Result> {
  const paramArgs = Object.entries(params).flatMap(([name, value]) => ['-p', `${name}=${value}`]);
  return stepwise(station, [mode, runbook, ...paramArgs], env);
}

function step(result: Result, id: string): StepReport {
  const found = result.json?.steps.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no step ${id} in ${result.stdout}\n${result.stderr}`);
  return found;
}

function planDetails(result: Result, id: string): string | undefined {
  const plan = step(result, id).plans?.[0]?.plan;
  return typeof plan === 'object' ? plan.details : undefined;
}

/** Every entry under `dir` with its kind, mode, and for a file its modification time and content hash. */
async function snapshot(dir: string, skip: string[] = []): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  async function walk(relative: string): Promise<void> {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const name = path.join(relative, entry.name);
      if (skip.includes(name)) continue;
      const full = path.join(dir, name);
      const info = await lstat(full);
      if (entry.isSymbolicLink()) entries[name] = `link to ${await readlink(full)}`;
      else if (entry.isDirectory()) {
        entries[`${name}/`] = `folder ${info.mode.toString(8)}`;
        await walk(name);
      } else {
        const hash = createHash('sha256').update(await readFile(full)).digest('hex');
        entries[name] = `file ${info.mode.toString(8)} ${info.mtimeMs} ${hash}`;
      }
    }
  }
  await walk('');
  return entries;
}

/** True when `edited` is `original` with text inserted and nothing removed. */
function onlyInserts(original: string, edited: string): boolean {
  return diffChars(original, edited).every((part) => !part.removed);
}

async function writeFileIn(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

afterAll(async () => {
  await Promise.all(workstations.map((dir) => rm(dir, { recursive: true, force: true })));
});

beforeAll(async () => {
  await access(cli).catch(() => {
    throw new Error(`${cli} is missing: run \`npx tsc -p tsconfig.json\` before these tests`);
  });
});

describeMoto('install-prerequisites on a workstation with nothing set up', () => {
  const PROJECT_DEPS = `{:paths ["src" "resources"]
 :deps {org.clojure/clojure {:mvn/version "1.12.0"}
        com.cognitect/anomalies {:mvn/version "0.1.12"}}}
`;

  it('dry-runs the edits as diffs writing nothing, makes them, then finds everything in place', { timeout: 120_000 }, async () => {
    const station = await workstation();
    const project = path.join(station.root, 'orders');
    await writeFileIn(project, 'deps.edn', PROJECT_DEPS);
    const params = { profile: 'datomic', projectDir: project };
    const userDeps = path.join(station.home, '.clojure/deps.edn');
    const projectDeps = path.join(project, 'deps.edn');

    const untouched = await snapshot(station.root);
    const plan = await install(station, 'plan', params);
    expect(plan.code, plan.stderr).toBe(0);
    expect(await snapshot(station.root)).toEqual(untouched);
    expect(plan.json!.status).toBe('planned');
    expect(planDetails(plan, 'user-ion-dev')).toBe(
      [
        '--- /dev/null',
        '+++ ~/.clojure/deps.edn',
        '@@ -0,0 +1,2 @@',
        '+{:aliases {:ion-dev {:deps {com.datomic/ion-dev {:mvn/version "1.0.316"}}',
        '+                     :main-opts ["-m" "datomic.ion.dev"]}}}',
        '',
      ].join('\n'),
    );
    // the second edit of the file plans on top of the first, as the run will make them
    expect(planDetails(plan, 'user-repository')).toBe(
      [
        '--- ~/.clojure/deps.edn',
        '+++ ~/.clojure/deps.edn',
        '@@ -1,2 +1,3 @@',
        ' {:aliases {:ion-dev {:deps {com.datomic/ion-dev {:mvn/version "1.0.316"}}',
        '-                     :main-opts ["-m" "datomic.ion.dev"]}}}',
        '+                     :main-opts ["-m" "datomic.ion.dev"]}}',
        `+ :mvn/repos {"datomic-cloud" ${REPOSITORY}}}`,
        '',
      ].join('\n'),
    );
    expect(planDetails(plan, 'project-repository')).toBe(
      [
        `--- ${projectDeps}`,
        `+++ ${projectDeps}`,
        '@@ -1,3 +1,4 @@',
        ' {:paths ["src" "resources"]',
        '  :deps {org.clojure/clojure {:mvn/version "1.12.0"}',
        '-        com.cognitect/anomalies {:mvn/version "0.1.12"}}}',
        '+        com.cognitect/anomalies {:mvn/version "0.1.12"}}',
        `+ :mvn/repos {"datomic-cloud" ${REPOSITORY}}}`,
        '',
      ].join('\n'),
    );
    expect(planDetails(plan, 'project-ion')).toBe(
      [
        `--- ${projectDeps}`,
        `+++ ${projectDeps}`,
        '@@ -1,4 +1,5 @@',
        ' {:paths ["src" "resources"]',
        '  :deps {org.clojure/clojure {:mvn/version "1.12.0"}',
        '-        com.cognitect/anomalies {:mvn/version "0.1.12"}}',
        '+        com.cognitect/anomalies {:mvn/version "0.1.12"}',
        '+        com.datomic/ion {:mvn/version "1.0.68"}}',
        `  :mvn/repos {"datomic-cloud" ${REPOSITORY}}}`,
        '',
      ].join('\n'),
    );
    expect(plan.stderr).toContain('+                     :main-opts ["-m" "datomic.ion.dev"]}}}');
    expect(plan.stderr).toContain(`+ :mvn/repos {"datomic-cloud" ${REPOSITORY}}}`);
    expect(plan.json!.outputs.checked).toEqual([
      `AWS CLI 1.45.11 at ${station.bin}/aws`,
      'AWS credentials of profile datomic: account 123456789012 as arn:aws:sts::123456789012:user/moto',
      `Clojure CLI 1.12.0.1530 at ${station.bin}/clojure`,
    ]);

    const first = await install(station, 'run', params);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json!.outputs.changed).toEqual([
      'the :ion-dev alias (ion-dev 1.0.316) in ~/.clojure/deps.edn',
      'the datomic-cloud Maven repository in ~/.clojure/deps.edn',
      `the datomic-cloud Maven repository in ${projectDeps}`,
      `com.datomic/ion 1.0.68 in ${projectDeps}`,
    ]);
    expect(first.json!.outputs.alreadyInPlace).toEqual([]);
    expect(await readFile(userDeps, 'utf8')).toBe(`{:aliases {:ion-dev {:deps {com.datomic/ion-dev {:mvn/version "1.0.316"}}
                     :main-opts ["-m" "datomic.ion.dev"]}}
 :mvn/repos {"datomic-cloud" ${REPOSITORY}}}
`);
    expect(await readFile(projectDeps, 'utf8')).toBe(`{:paths ["src" "resources"]
 :deps {org.clojure/clojure {:mvn/version "1.12.0"}
        com.cognitect/anomalies {:mvn/version "0.1.12"}
        com.datomic/ion {:mvn/version "1.0.68"}}
 :mvn/repos {"datomic-cloud" ${REPOSITORY}}}
`);
    const projectBackup = step(first, 'project-repository').outputs!.backup as string;
    expect(first.json!.outputs.backups).toContain(projectBackup);
    expect(await readFile(projectBackup, 'utf8')).toBe(PROJECT_DEPS);
    // one backup per deps.edn and run, named after the run, and the run says where it is
    const runId = first.json!.runId;
    for (const deps of [userDeps, projectDeps]) {
      const backups = (await readdir(path.dirname(deps))).filter((name) => name.endsWith('.bak'));
      expect(backups).toEqual([`deps.edn.${runId}.bak`]);
      expect(first.stderr).toContain(`backup of ${deps} (one for run ${runId}): ${deps}.${runId}.bak`);
    }
    expect(first.json!.outputs.backups).toEqual([`${userDeps}.${runId}.bak`, projectBackup]);

    const changedOnce = await snapshot(station.root, ['state']);
    const second = await install(station, 'run', params);
    expect(second.code, second.stderr).toBe(0);
    expect(await snapshot(station.root, ['state'])).toEqual(changedOnce);
    expect(second.json!.outputs.changed).toEqual([]);
    expect(second.json!.outputs.backups).toEqual([]);
    expect(second.json!.outputs.alreadyInPlace).toEqual(first.json!.outputs.changed);

    const replan = await install(station, 'plan', params);
    expect(replan.code, replan.stderr).toBe(0);
    expect(['user-ion-dev', 'user-repository', 'project-repository', 'project-ion'].map((id) => step(replan, id).status)).toEqual([
      'satisfied',
      'satisfied',
      'satisfied',
      'satisfied',
    ]);
    expect(replan.json!.outputs).toEqual(second.json!.outputs);
    expect(await snapshot(station.root, ['state'])).toEqual(changedOnce);
  });

  it('leaves the project alone when no projectDir is given, and takes the profile from AWS_PROFILE', { timeout: 60_000 }, async () => {
    const station = await workstation();
    const result = await install(station, 'run', {}, { AWS_PROFILE: 'datomic' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json!.outputs.checked[1]).toBe('AWS credentials: account 123456789012 as arn:aws:sts::123456789012:user/moto');
    expect(['project-repository', 'project-ion'].map((id) => step(result, id).status)).toEqual(['skipped', 'skipped']);
    expect(result.json!.outputs.changed).toEqual([
      'the :ion-dev alias (ion-dev 1.0.316) in ~/.clojure/deps.edn',
      'the datomic-cloud Maven repository in ~/.clojure/deps.edn',
    ]);
    expect(Object.keys(await snapshot(station.home)).filter((name) => name.endsWith('deps.edn'))).toEqual(['.clojure/deps.edn']);
  });

  it.each([
    ['CLJ_CONFIG', (station: Workstation) => ({ CLJ_CONFIG: path.join(station.root, 'clj-config') }), 'clj-config/deps.edn'],
    ['XDG_CONFIG_HOME', (station: Workstation) => ({ XDG_CONFIG_HOME: path.join(station.root, 'xdg') }), 'xdg/clojure/deps.edn'],
  ])('edits the user deps.edn where %s points, as the Clojure CLI reads it', { timeout: 60_000 }, async (_name, env, expected) => {
    const station = await workstation();
    const result = await install(station, 'run', { profile: 'datomic' }, env(station));
    expect(result.code, result.stderr).toBe(0);
    const file = path.join(station.root, expected);
    expect(result.json!.outputs.userDepsFile).toBe(file);
    expect(valueAtPath(await readFile(file, 'utf8'), [':mvn/repos', '"datomic-cloud"'])).toBeDefined();
    await expect(access(path.join(station.home, '.clojure'))).rejects.toThrow();
  });
});

describeMoto('install-prerequisites with deps.edn files the operator wrote', () => {
  const USER_DEPS = `;; User-wide settings for the Clojure CLI
{:aliases
 {;; linting
  :lint {:extra-deps {clj-kondo/clj-kondo {:mvn/version "2024.08.01"}}
         :main-opts ["-m" "clj-kondo.main"]}, ; comma kept
  #_{:old-alias true}
  :outdated {:deps {com.github.liquidz/antq {:mvn/version "RELEASE"}}
             :main-opts ["-m" "antq.core"]} ; keep last
  ;; more aliases below
  }

 ;; where jars come from
 :mvn/repos {"clojars" {:url "https://repo.clojars.org/"}}
 } ; end of file
`;
  const COMMENTS = [
    ';; User-wide settings for the Clojure CLI',
    ';; linting',
    '; comma kept',
    '#_{:old-alias true}',
    '; keep last',
    ';; more aliases below',
    ';; where jars come from',
    '; end of file',
  ];

  it('keeps every comment, discard and line of the user deps.edn, and adds only the two entries', { timeout: 60_000 }, async () => {
    const station = await workstation();
    const userDeps = await writeFileIn(station.home, '.clojure/deps.edn', USER_DEPS);
    await writeFileIn(station.home, 'src/orders/deps.edn', '{:deps {}}\n');

    const result = await install(station, 'run', { profile: 'datomic', projectDir: '~/src/orders' });
    expect(result.code, result.stderr).toBe(0);

    const edited = await readFile(userDeps, 'utf8');
    expect(edited).toBe(`;; User-wide settings for the Clojure CLI
{:aliases
 {;; linting
  :lint {:extra-deps {clj-kondo/clj-kondo {:mvn/version "2024.08.01"}}
         :main-opts ["-m" "clj-kondo.main"]}, ; comma kept
  #_{:old-alias true}
  :outdated {:deps {com.github.liquidz/antq {:mvn/version "RELEASE"}}
             :main-opts ["-m" "antq.core"]}, ; keep last
  :ion-dev {:deps {com.datomic/ion-dev {:mvn/version "1.0.316"}}
            :main-opts ["-m" "datomic.ion.dev"]}
  ;; more aliases below
  }

 ;; where jars come from
 :mvn/repos {"clojars" {:url "https://repo.clojars.org/"} "datomic-cloud" ${REPOSITORY}}
 } ; end of file
`);
    expect(onlyInserts(USER_DEPS, edited)).toBe(true);
    for (const comment of COMMENTS) expect(edited).toContain(comment);
    expect(valueAtPath(edited, [':aliases', ':lint'])).toBeDefined();
    expect(valueAtPath(edited, [':mvn/repos', '"clojars"'])).toBeDefined();
    expect(valueAtPath(edited, [':aliases', ':ion-dev', ':main-opts'])).toEqual(['-m', 'datomic.ion.dev']);
    const firstBackup = step(result, 'user-ion-dev').outputs!.backup as string;
    expect(await readFile(firstBackup, 'utf8')).toBe(USER_DEPS);

    expect(await readFile(path.join(station.home, 'src/orders/deps.edn'), 'utf8')).toBe(
      `{:deps {com.datomic/ion {:mvn/version "1.0.68"}} :mvn/repos {"datomic-cloud" ${REPOSITORY}}}\n`,
    );
    expect(result.json!.outputs.changed).toContain('com.datomic/ion 1.0.68 in ~/src/orders/deps.edn');
  });

  it('stops at another ion-dev version already there, changing nothing, and replaces it when asked', { timeout: 90_000 }, async () => {
    const station = await workstation();
    const older = `{:aliases {:ion-dev {:deps {com.datomic/ion-dev {:mvn/version "1.0.300"}}
                     :main-opts ["-m" "datomic.ion.dev"]}}
 :mvn/repos {"datomic-cloud" ${REPOSITORY}}}
`;
    const userDeps = await writeFileIn(station.home, '.clojure/deps.edn', older);
    const before = await snapshot(station.home);

    const refused = failureOf(await install(station, 'run', { profile: 'datomic' }));
    expect(refused).toMatchObject({ stepId: 'user-ion-dev', code: 'edn-conflict' });
    expect(refused.message).toContain(
      '~/.clojure/deps.edn:1:21: :aliases :ion-dev already holds {:deps {com.datomic/ion-dev {:mvn/version "1.0.300"}} :main-opts ["-m" "datomic.ion.dev"]}, ' +
        'not the wanted {:deps {com.datomic/ion-dev {:mvn/version "1.0.316"}} :main-opts ["-m" "datomic.ion.dev"]}',
    );
    expect(await snapshot(station.home)).toEqual(before);

    const replaced = await install(station, 'run', { profile: 'datomic', replace: 'true' });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await readFile(userDeps, 'utf8')).toBe(older.replace('1.0.300', '1.0.316'));
    expect(replaced.json!.outputs.changed).toEqual(['the :ion-dev alias (ion-dev 1.0.316) in ~/.clojure/deps.edn']);
    expect(replaced.json!.outputs.alreadyInPlace).toEqual(['the datomic-cloud Maven repository in ~/.clojure/deps.edn']);
    expect(await readFile(replaced.json!.outputs.backups[0]!, 'utf8')).toBe(older);
  });

  it('refuses a project folder that does not exist, or a relative one, before creating anything', { timeout: 60_000 }, async () => {
    const station = await workstation();
    const before = await snapshot(station.home);

    const missing = failureOf(await install(station, 'run', { profile: 'datomic', projectDir: '~/src/nosuch' }));
    expect(missing.stepId).toBe('project-folder-exists');
    expect(missing.message).toContain('the project folder ~/src/nosuch does not exist');
    expect(await snapshot(station.home)).toEqual(before);

    const relative = await install(station, 'run', { profile: 'datomic', projectDir: 'src/orders' });
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('parameter "projectDir" must match the pattern ^(/|~/), not "src/orders"');
    expect(await snapshot(station.home)).toEqual(before);
  });
});

describeMoto('install-prerequisites checks the tools', () => {
  /** The step that failed, once it is clear that no deps.edn was written. */
  async function failedCheck(station: Workstation, result: Result): Promise<Failure> {
    const failure = failureOf(result);
    await expect(access(path.join(station.home, '.clojure'))).rejects.toThrow();
    return failure;
  }

  it('stops when the AWS CLI is missing, saying how to install it', { timeout: 60_000 }, async () => {
    const station = await workstation({ aws: 'missing' });
    const failure = await failedCheck(station, await install(station, 'run', { profile: 'datomic' }));
    expect(failure).toMatchObject({ stepId: 'aws-cli', code: 'tool-missing' });
    expect(failure.message).toContain('AWS CLI is not installed: no executable `aws` on PATH.');
    expect(failure.message).toContain(AWS_INSTALL_PAGE);
  });

  it('stops at an AWS CLI older than 1.11.170, naming both versions and how to upgrade', { timeout: 60_000 }, async () => {
    const station = await workstation();
    const failure = await failedCheck(station, await install(station, 'run', { profile: 'datomic' }, { STAND_IN_AWS_CLI_VERSION: '1.11.169' }));
    expect(failure).toMatchObject({ stepId: 'aws-cli', code: 'tool-too-old' });
    expect(failure.message).toContain('AWS CLI 1.11.169 is too old: this runbook needs 1.11.170 or later.');
    expect(failure.message).toContain(AWS_INSTALL_PAGE);
  });

  it('accepts 1.11.170 itself, and takes a later minimum from minAwsCliVersion', { timeout: 60_000 }, async () => {
    const station = await workstation();
    const oldest = await install(station, 'plan', { profile: 'datomic' }, { STAND_IN_AWS_CLI_VERSION: '1.11.170' });
    expect(oldest.code, oldest.stderr).toBe(0);
    expect(oldest.json!.outputs.checked[0]).toBe(`AWS CLI 1.11.170 at ${station.bin}/aws`);

    const raised = failureOf(await install(station, 'plan', { profile: 'datomic', minAwsCliVersion: '2.0.0' }));
    expect(raised.message).toContain('AWS CLI 1.45.11 is too old: this runbook needs 2.0.0 or later.');
  });

  it('stops when the Clojure CLI is missing, saying how to install it', { timeout: 60_000 }, async () => {
    const station = await workstation({ clojure: 'missing' });
    const failure = await failedCheck(station, await install(station, 'run', { profile: 'datomic' }));
    expect(failure).toMatchObject({ stepId: 'clojure-cli', code: 'tool-missing' });
    expect(failure.message).toContain('Clojure CLI is not installed: no executable `clojure` on PATH.');
    expect(failure.message).toContain(CLOJURE_INSTALL_PAGE);
  });

  it('stops at a `clojure` that is not the Clojure CLI', { timeout: 60_000 }, async () => {
    const station = await workstation();
    const failure = await failedCheck(station, await install(station, 'run', { profile: 'datomic' }, { STAND_IN_CLOJURE_KIND: 'clojure-main' }));
    expect(failure).toMatchObject({ stepId: 'clojure-cli', code: 'tool-version-unknown' });
    expect(failure.message).toContain('`clojure -Sdescribe` exited with code 1 without printing a version');
  });

  it('reports the Clojure CLI version that clojure -Sdescribe prints', { timeout: 60_000 }, async () => {
    const station = await workstation();
    const result = await install(station, 'plan', { profile: 'datomic' }, { STAND_IN_CLOJURE_VERSION: '1.11.1.1413' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json!.outputs.checked[2]).toBe(`Clojure CLI 1.11.1.1413 at ${station.bin}/clojure`);
  });
});

describeMoto('install-prerequisites with the real AWS CLI against moto', () => {
  async function realAws(station: Workstation, args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(path.join(station.bin, 'aws'), args, { env: { HOME: station.home, PATH: station.bin }, cwd: station.root });
  }

  it('names the account and principal of the profile, as the AWS CLI itself sees them', { timeout: 90_000 }, async () => {
    const station = await workstation({ aws: 'real' });
    const version = await realAws(station, ['--version']);
    const realVersion = /aws-cli\/(\d+(?:\.\d+)+)/.exec(version.stdout + version.stderr)?.[1];
    expect(realVersion).toBeDefined();
    const identity = JSON.parse(
      (await realAws(station, ['sts', 'get-caller-identity', '--profile', 'datomic', '--region', 'us-east-1', '--endpoint-url', moto.url, '--output', 'json'])).stdout,
    ) as { Account: string; Arn: string };

    const result = await install(station, 'run', { profile: 'datomic' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json!.outputs.account).toBe(identity.Account);
    expect(result.json!.outputs.principal).toBe(identity.Arn);
    expect(result.json!.outputs.checked.slice(0, 2)).toEqual([
      `AWS CLI ${realVersion} at ${station.bin}/aws`,
      `AWS credentials of profile datomic: account ${identity.Account} as ${identity.Arn}`,
    ]);
    expect(result.stdout + result.stderr).not.toContain(SECRET_KEY);
  });

  it('stops when the profile has no credentials, saying how to configure it', { timeout: 60_000 }, async () => {
    const station = await workstation({ aws: 'real' });
    const failure = failureOf(await install(station, 'run', { profile: 'nosuch' }));
    expect(failure).toMatchObject({ stepId: 'credentials', code: 'aws-no-credentials' });
    expect(failure.message).toContain('sts:GetCallerIdentity in us-east-1: no AWS credentials found for profile "nosuch"');
    expect(failure.message).toContain('aws configure --profile NAME');
    await expect(access(path.join(station.home, '.clojure'))).rejects.toThrow();
  });
});
