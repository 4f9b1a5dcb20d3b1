import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEdnMap } from '../../runbooks/examples/delete-ion-lambdas/ion-steps.js';
import { REPO, runCli, workspace, type Workspace } from '../support/cli.js';

const RUNBOOK = path.join(REPO, 'runbooks/examples/delete-ion-lambdas/delete-ion-lambdas.yaml');
const SUB_RUNBOOK = path.join(REPO, 'runbooks/examples/delete-ion-lambdas/push-and-deploy.yaml');
const REV = '6468765f843d70e01a7a2e483405c5fcc9aa0883';
const ARN = 'arn:aws:states:us-east-1:123456789012:execution:datomic-my-compute:my-compute-6468765f-1234567890';

const ION_CONFIG = `;; the starter application's ion configuration
{:allow [datomic.ion.starter/create-item]
 :lambdas {:get-schema {:fn datomic.ion.starter.lambdas/get-schema
                        :description "returns the schema"}
           :get-items-by-type {:fn datomic.ion.starter.lambdas/get-items-by-type
                               :description "return inventory items by type"}}
 :app-name "ion-starter"}
`;

/**
 * Stands in for `clojure -A:ion-dev OP` as ion-dev answers: an EDN map per op, the
 * execution ARN as a symbol. Deploy-status answers the statuses of ION_STATUSES in turn.
 */
const STAND_IN_CLOJURE = `#!/bin/sh
printf '%s\\n' "$2" >> "$ION_LOG"
case "$2" in
  *':op :push'*)
    cp resources/datomic/ion-config.edn "$ION_PUSHED_CONFIG"
    echo 'Downloading: com/datomic/ion-dev/1.0.316/ion-dev-1.0.316.pom from datomic-cloud' >&2
    cat <<'EDN'
{:rev "${REV}",
 :deploy-groups (my-compute query-group),
 :dependency-conflicts {:deps {com.cognitect/s3-creds #:mvn{:version "0.1.23"}}},
 :deploy-command "clojure -A:ion-dev '{:op :deploy, :group my-compute, :rev \\"${REV}\\"}'",
 :doc "To deploy, issue the :deploy-command"}
EDN
    ;;
  *':op :deploy-status'*)
    n=$(grep -c ':op :deploy-status' "$ION_LOG")
    status=$(echo "$ION_STATUSES" | cut -d' ' -f"$n")
    [ -n "$status" ] || status=$(echo "$ION_STATUSES" | awk '{ print $NF }')
    printf '{:deploy-status "%s", :code-deploy-status "%s"}\\n' "$status" "$status"
    ;;
  *':op :deploy '*)
    echo '{:execution-arn ${ARN}, :status-command "clojure -A:ion-dev ...", :doc "To check the status of your deployment, issue the :status-command."}'
    ;;
  *)
    echo "ion-dev: unknown op $2" >&2
    exit 1
    ;;
esac
`;

interface IonProject {
  space: Workspace;
  project: string;
  env: Record<string, string>;
  calls(): string[];
}

function ionProject(statuses = 'RUNNING SUCCEEDED'): IonProject {
  const space = workspace();
  const clojure = space.write('bin/clojure', STAND_IN_CLOJURE);
  chmodSync(clojure, 0o755);
  space.write('app/resources/datomic/ion-config.edn', ION_CONFIG);
  space.write('app/deps.edn', '{:deps {com.datomic/ion {:mvn/version "1.0.68"}}}\n');
  return {
    space,
    project: space.file('app'),
    env: { PATH: `${space.file('bin')}:${process.env.PATH}`, ION_LOG: space.file('ion-calls.log'), ION_PUSHED_CONFIG: space.file('pushed-ion-config.edn'), ION_STATUSES: statuses },
    calls: () => (existsSync(space.file('ion-calls.log')) ? space.read('ion-calls.log').trim().split('\n') : []),
  };
}

function runbookArgs(ion: IonProject, group = 'my-compute'): string[] {
  return [RUNBOOK, '-p', `project=${ion.project}`, '-p', `group=${group}`];
}

describe('the delete-ion-lambdas example', () => {
  it('validates, with its sub-runbook', async () => {
    const result = await runCli(['validate', RUNBOOK, SUB_RUNBOOK], { cwd: REPO });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('empties :lambdas, pushes, deploys the revision the push printed and waits for the deployment', async () => {
    const ion = ionProject();

    const result = await runCli(['run', ...runbookArgs(ion), '--yes', '--json', '--state-dir', ion.space.stateDir], { cwd: ion.space.dir, env: ion.env });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).outputs).toEqual({ app: 'ion-starter', deleted: ['get-schema', 'get-items-by-type'], rev: REV, deployStatus: 'SUCCEEDED' });
    const config = ion.space.read('app/resources/datomic/ion-config.edn');
    expect(config).toBe(';; the starter application\'s ion configuration\n{:allow [datomic.ion.starter/create-item]\n :lambdas {}\n :app-name "ion-starter"}\n');
    // what was pushed is the emptied configuration
    expect(ion.space.read('pushed-ion-config.edn')).toBe(config);
    expect(readdirSync(ion.space.file('app/resources/datomic')).filter((name) => name.endsWith('.bak'))).toHaveLength(1);
    expect(ion.calls()).toEqual([
      '{:op :push}',
      `{:op :deploy :group my-compute :rev "${REV}"}`,
      `{:op :deploy-status :execution-arn ${ARN}}`,
      `{:op :deploy-status :execution-arn ${ARN}}`,
    ]);
    expect(result.stderr).toMatch(/deploy\/status: the deployment is still RUNNING — retrying in/);
  });

  it('dry-runs without pushing or editing: it reads the config and shows the diff and the push', async () => {
    const ion = ionProject();

    const result = await runCli(['plan', ...runbookArgs(ion)], { cwd: ion.space.dir, env: ion.env });

    expect(result.code).toBe(0);
    const printed = result.stdout + result.stderr;
    expect(printed).toContain('confirm: would ask: Delete the lambdas of ion application ion-starter in compute group my-compute (declared now: get-schema, get-items-by-type)?');
    expect(printed).toContain('+ :lambdas {}');
    expect(printed).toContain("deploy/push (would change): clojure -A:ion-dev '{:op :push}'");
    expect(printed).toMatch(/deploy\/status: depends on push/);
    expect(ion.calls()).toEqual([]);
    expect(ion.space.read('app/resources/datomic/ion-config.edn')).toBe(ION_CONFIG);
  });

  it('fails at its last step when the deployment fails, saying so', async () => {
    const ion = ionProject('FAILED');

    const result = await runCli(['run', ...runbookArgs(ion), '--yes', '--state-dir', ion.space.stateDir], { cwd: ion.space.dir, env: ion.env });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`runbook ./push-and-deploy.yaml, step "succeeded": the deployment of ${REV} to my-compute ended FAILED (CodeDeploy: FAILED)`);
  });

  it('deploys nothing to a group that the push does not name', async () => {
    const ion = ionProject();

    const result = await runCli(['run', ...runbookArgs(ion, 'other-group'), '--yes', '--state-dir', ion.space.stateDir], { cwd: ion.space.dir, env: ion.env });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('other-group is not among the compute groups the push names for this application (my-compute, query-group)');
    expect(ion.calls()).toEqual(['{:op :push}']);
  });
});

describe('the ion plugin\'s EDN reader', () => {
  it('reads ion-config.edn and ion-dev output as JSON: keywords and symbols become strings', () => {
    const text = `Downloading things\n{:a 1, :b -2.5, :c 10N, :d nil, :e true, :f "x\\"y\\n", :g \\c, :h [1 (2) #{3}],
      ;; a comment
      :i #_ :discarded :kept, :j #inst "2026-01-01T00:00:00Z", :ns/k sym/bol, "s" arn:aws:x:1}`;
    expect(readEdnMap(text, 'probe')).toEqual({ a: 1, b: -2.5, c: 10, d: null, e: true, f: 'x"y\n', g: 'c', h: [1, [2], [3]], i: 'kept', j: '2026-01-01T00:00:00Z', 'ns/k': 'sym/bol', s: 'arn:aws:x:1' });
    expect(readEdnMap(ION_CONFIG, 'ion-config.edn').lambdas).toEqual({
      'get-schema': { fn: 'datomic.ion.starter.lambdas/get-schema', description: 'returns the schema' },
      'get-items-by-type': { fn: 'datomic.ion.starter.lambdas/get-items-by-type', description: 'return inventory items by type' },
    });
  });

  it('locates what it cannot read', () => {
    expect(() => readEdnMap('{:a [1 2}\n', 'out')).toThrow('out:1:9: unexpected }');
    expect(() => readEdnMap('{:a 1 :b}', 'out')).toThrow('out:1:7: this key has no value');
    expect(() => readEdnMap('{:a 1\n :b', 'out')).toThrow('out:1:1: this map is never closed with }');
    expect(() => readEdnMap('log line\n{:a "open', 'out')).toThrow('out:2:5: this string is never closed with "');
    expect(() => readEdnMap('nothing here', 'out')).toThrow('out holds no EDN map: "nothing here"');
  });

  it('is loaded by stepwise as three step types', async () => {
    const definitions = (await import('../../runbooks/examples/delete-ion-lambdas/ion-steps.js')).default as { type: string; effect: string }[];
    expect(definitions.map((definition) => [definition.type, definition.effect])).toEqual([
      ['team.ion-config', 'read'],
      ['team.ion-result', 'read'],
      ['team.ion-deploy-status', 'read'],
    ]);
    expect(readFileSync(RUNBOOK, 'utf8')).toContain('plugins: [./ion-steps.js]');
  });
});
