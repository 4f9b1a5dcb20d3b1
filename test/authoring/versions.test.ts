import { describe, expect, it } from 'vitest';
import { onlyRunId, runCli, workspace, type Workspace, runIds } from '../support/cli.js';

const RUNBOOK = `apiVersion: stepwise/v1
name: rotate-keys
version: 1.0.0
plugins: [./team.js]
steps:
  - id: look
    type: team.look
`;

const PLUGIN = "export default { type: 'team.look', description: 'Look.', effect: 'read', input: { type: 'object' }, run: async () => ({ seen: 1 }) };\n";

async function recordRun(space: Workspace): Promise<{ file: string; runId: string }> {
  space.write('team.js', PLUGIN);
  const file = space.write('rotate-keys.yaml', RUNBOOK);
  const run = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir });
  expect(run.code).toBe(0);
  return { file, runId: onlyRunId(space.stateDir) };
}

describe('runbook versions', () => {
  it('validate warns, without failing, when a runbook changed but kept the version of its last run', async () => {
    const space = workspace();
    const { file, runId } = await recordRun(space);
    space.write('rotate-keys.yaml', RUNBOOK.replace('type: team.look', 'type: team.look\n    name: Look around'));

    const result = await runCli(['validate', file, '--state-dir', space.stateDir], { cwd: space.dir });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${file}: valid\n`);
    // `version` is the key at line 3, column 1
    expect(result.stderr).toBe(`${file}:3:1: warning: version 1.0.0 is the same as run ${runId} used, but the runbook changed since; bump the version [unchanged-version]\n`);
  });

  it('counts a changed plugin as a changed runbook, like the run\'s hash does', async () => {
    const space = workspace();
    const { file, runId } = await recordRun(space);
    space.write('team.js', PLUGIN.replace('seen: 1', 'seen: 2'));

    const result = await runCli(['validate', file, '--state-dir', space.stateDir], { cwd: space.dir });

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`version 1.0.0 is the same as run ${runId} used`);
  });

  it('stays quiet when the runbook is unchanged, when its version was bumped, and for another state dir', async () => {
    const space = workspace();
    const { file } = await recordRun(space);
    const unchanged = await runCli(['validate', file, '--state-dir', space.stateDir], { cwd: space.dir });
    space.write('rotate-keys.yaml', RUNBOOK.replace('version: 1.0.0', 'version: 1.1.0').replace('type: team.look', 'type: team.look\n    name: Look around'));
    const bumped = await runCli(['validate', file, '--state-dir', space.stateDir], { cwd: space.dir });
    space.write('rotate-keys.yaml', RUNBOOK.replace('type: team.look', 'type: team.look\n    name: Look around'));
    const elsewhere = await runCli(['validate', file, '--state-dir', space.file('other-state')], { cwd: space.dir });

    for (const result of [unchanged, bumped, elsewhere]) {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
    }
  });

  it('compares with the newest run of the same file: a run of another file does not count', async () => {
    const space = workspace();
    const { file } = await recordRun(space);
    space.write('rotate-keys.yaml', RUNBOOK.replace('version: 1.0.0', 'version: 1.1.0'));
    const bumpedRun = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir });
    expect(bumpedRun.code).toBe(0);
    const copy = space.write('copy/rotate-keys.yaml', RUNBOOK.replace('type: team.look', 'type: shell\n    with: { command: [ls], effect: read }').replace('plugins: [./team.js]\n', ''));
    const copyRun = await runCli(['run', copy, '--state-dir', space.stateDir], { cwd: space.dir });
    expect(copyRun.code).toBe(0);
    // back to 1.0.0 but different from the first run: the newest run of this file used 1.1.0
    space.write('rotate-keys.yaml', RUNBOOK.replace('type: team.look', 'type: team.look\n    name: Look around'));

    const result = await runCli(['validate', file, '--state-dir', space.stateDir], { cwd: space.dir });

    expect(result.stderr).toBe('');
  });

  it('looks where run records runs: STEPWISE_STATE, and stepwise.config.yaml', async () => {
    const space = workspace();
    space.write('team.js', PLUGIN);
    const file = space.write('rotate-keys.yaml', RUNBOOK);
    const env = { STEPWISE_STATE: space.file('team-state') };
    expect((await runCli(['run', file], { cwd: space.dir, env })).code).toBe(0);
    space.write('rotate-keys.yaml', RUNBOOK.replace('type: team.look', 'type: team.look\n    name: Look around'));

    const fromEnv = await runCli(['validate', file], { cwd: space.dir, env });
    space.write('stepwise.config.yaml', 'state: team-state\n');
    const fromConfig = await runCli(['validate', file], { cwd: space.dir });

    for (const result of [fromEnv, fromConfig]) {
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/rotate-keys\.yaml:3:1: warning: version 1\.0\.0 is the same as run \S+ used, but the runbook changed since/);
    }
  });

  it('counts a run of the same file started from another checkout, as a shared state holds them', async () => {
    const space = workspace();
    space.write('first-checkout/team.js', PLUGIN);
    const first = space.write('first-checkout/rotate-keys.yaml', RUNBOOK);
    expect((await runCli(['run', 'rotate-keys.yaml', '--state-dir', space.stateDir], { cwd: space.file('first-checkout') })).code).toBe(0);
    space.write('second-checkout/team.js', PLUGIN);
    space.write('second-checkout/rotate-keys.yaml', RUNBOOK.replace('type: team.look', 'type: team.look\n    name: Look around'));

    const result = await runCli(['validate', 'rotate-keys.yaml', '--state-dir', space.stateDir], { cwd: space.file('second-checkout') });

    expect(first).not.toBe(space.file('second-checkout/rotate-keys.yaml'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('rotate-keys.yaml:3:1: warning: version 1.0.0 is the same as run');
  });

  it('validates all the same when the past runs cannot be read, saying why in a warning', async () => {
    const space = workspace();
    const file = space.write('rotate-keys.yaml', RUNBOOK.replace('plugins: [./team.js]\n', '').replace('type: team.look', 'type: set\n    with: { values: { a: 1 } }'));
    const notAFolder = space.write('state-is-a-file', 'not runs\n');
    const result = await runCli(['validate', file, '--state-dir', notAFolder], { cwd: space.dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${file}: valid\n`);
    expect(result.stderr).toMatch(/^stepwise: warning: could not read the past runs in \S+state-is-a-file\S* to compare versions: .*cannot keep runs there/m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses a state address it cannot use, as run does, with exit 2', async () => {
    const space = workspace();
    const file = space.write('rotate-keys.yaml', RUNBOOK.replace('plugins: [./team.js]\n', '').replace('type: team.look', 'type: set\n    with: { values: { a: 1 } }'));
    const result = await runCli(['validate', file, '--state', 'gs://team-bucket/runs'], { cwd: space.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stepwise cannot keep runs in gs:// addresses');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('runs and show print the version each run followed', async () => {
    const space = workspace();
    const { file, runId: first } = await recordRun(space);
    space.write('rotate-keys.yaml', RUNBOOK.replace('version: 1.0.0', 'version: 2.0.0-rc.1'));
    expect((await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir })).code).toBe(0);
    const second = runIds(space.stateDir).find((id) => id !== first)!;

    const runs = await runCli(['runs', '--state-dir', space.stateDir], { cwd: space.dir });
    const runsJson = await runCli(['runs', '--json', '--state-dir', space.stateDir], { cwd: space.dir });
    const show = await runCli(['show', second, '--state-dir', space.stateDir], { cwd: space.dir });
    const showJson = await runCli(['show', first, '--json', '--state-dir', space.stateDir], { cwd: space.dir });

    const header = runs.stdout.split('\n')[0]!;
    expect(header).toMatch(/^RUN +RUNBOOK +VERSION +STATUS/);
    expect(runs.stdout).toMatch(new RegExp(`^${first} +rotate-keys +1\\.0\\.0 +succeeded`, 'm'));
    expect(runs.stdout).toMatch(new RegExp(`^${second} +rotate-keys +2\\.0\\.0-rc\\.1 +succeeded`, 'm'));
    expect((JSON.parse(runsJson.stdout) as { runId: string; version: string }[]).map(({ runId, version }) => [runId, version])).toEqual([
      [first, '1.0.0'],
      [second, '2.0.0-rc.1'],
    ]);
    expect(show.stdout).toContain(`runbook rotate-keys 2.0.0-rc.1 (${file})`);
    expect(JSON.parse(showJson.stdout)).toMatchObject({ runId: first, runbook: 'rotate-keys', version: '1.0.0' });
  });
});
