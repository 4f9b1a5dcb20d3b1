import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { onTestFinished, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO, runCli, workspace } from '../support/cli.js';

function schemaLine(text: string): string {
  const first = text.split('\n')[0]!;
  expect(first).toMatch(/^# yaml-language-server: \$schema=\S+$/);
  return first.slice(first.indexOf('=') + 1);
}

describe('stepwise new', () => {
  it('writes a starter runbook that validates clean, with the absolute schema path outside this package', async () => {
    const space = workspace();

    const result = await runCli(['new', 'restart-workers'], { cwd: space.dir });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('wrote restart-workers.yaml');
    const text = space.read('restart-workers.yaml');
    expect(schemaLine(text)).toBe(path.join(REPO, 'schemas/runbook.schema.json'));
    expect(existsSync(schemaLine(text))).toBe(true);
    const runbook = parse(text) as Record<string, unknown> & { steps: { type: string; with: Record<string, unknown> }[]; params: object };
    expect(runbook).toMatchObject({ apiVersion: 'stepwise/v1', name: 'restart-workers', version: '0.1.0', description: expect.any(String), outputs: expect.any(Object) });
    expect(Object.keys(runbook.params)).toHaveLength(1);
    expect(runbook.steps.map((step) => step.type)).toEqual(['shell', 'approve']);
    expect(runbook.steps[0]!.with.effect).toBe('read');

    const validated = await runCli(['validate', 'restart-workers.yaml'], { cwd: space.dir });
    expect(validated.code).toBe(0);
    expect(validated.stderr).toBe('');
    const plan = await runCli(['plan', 'restart-workers.yaml', '-p', 'target=db'], { cwd: space.dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout + plan.stderr).toContain('looking at db');
  });

  it('uses a relative schema path inside this package, which resolves to the schema', async () => {
    // at the root, not under runbooks/, where other tests look for the shipped runbooks
    const dir = mkdtempSync(path.join(REPO, '.stepwise-new-test-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));

    const result = await runCli(['new', 'team-procedure', '--dir', path.join(dir, 'team')], { cwd: REPO });

    expect(result.code).toBe(0);
    const schema = schemaLine(readFileSync(path.join(dir, 'team', 'team-procedure.yaml'), 'utf8'));
    expect(schema).toBe('../../schemas/runbook.schema.json');
    expect(path.resolve(dir, 'team', schema)).toBe(path.join(REPO, 'schemas/runbook.schema.json'));
  });

  it('never overwrites a file', async () => {
    const space = workspace();
    space.write('rotate.yaml', 'mine\n');

    const result = await runCli(['new', 'rotate'], { cwd: space.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('stepwise: rotate.yaml already exists: stepwise new never overwrites a file; choose another name or --dir\n');
    expect(space.read('rotate.yaml')).toBe('mine\n');
  });

  it('with --plugin, also writes a typed plugin that the runbook uses, which validates, plans and runs as written', async () => {
    const space = workspace();

    const result = await runCli(['new', 'restart-workers', '--plugin', 'deploy-steps'], { cwd: space.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('wrote restart-workers.yaml\nwrote deploy-steps.ts\n');
    const runbook = parse(space.read('restart-workers.yaml')) as { plugins: string[]; steps: { type: string }[] };
    expect(runbook.plugins).toEqual(['./deploy-steps.ts']);
    expect(runbook.steps.map((step) => step.type)).toEqual(['shell', 'approve', 'team.deploy']);
    expect(space.read('deploy-steps.ts')).toContain("import { defineStep, StepFailure } from 'stepwise';");

    const validated = await runCli(['validate', 'restart-workers.yaml'], { cwd: space.dir });
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);
    const plan = await runCli(['plan', 'restart-workers.yaml', '--json', '-p', 'target=db'], { cwd: space.dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).steps[2]).toMatchObject({ id: 'apply', status: 'planned', plans: [{ plan: 'apply the change to db' }] });
    const run = await runCli(['run', 'restart-workers.yaml', '--yes', '--json', '-p', 'target=db', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).steps[2]).toMatchObject({ id: 'apply', status: 'succeeded', outputs: { applied: 'db' } });
  });

  it('names the plugin after the runbook when --plugin has no name, and writes neither file when one exists', async () => {
    const space = workspace();

    const named = await runCli(['new', 'rotate', '--plugin'], { cwd: space.dir });
    expect(named.code, named.stderr).toBe(0);
    expect(space.read('rotate-steps.ts')).toContain("type: 'team.rotate',");
    expect(parse(space.read('rotate.yaml'))).toMatchObject({ plugins: ['./rotate-steps.ts'] });

    space.write('mine.ts', 'mine\n');
    const refused = await runCli(['new', 'other', '--plugin', 'mine'], { cwd: space.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('stepwise: mine.ts already exists: stepwise new never overwrites a file; choose another name or --dir\n');
    expect(existsSync(space.file('other.yaml'))).toBe(false);
    expect(space.read('mine.ts')).toBe('mine\n');

    const badName = await runCli(['new', 'other', '--plugin', 'Deploy'], { cwd: space.dir });
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('"Deploy" is not a plugin name');
  });

  it.each(['Rotate', '1st-run', 'rotate_keys', 'rotate keys', 'rotate.yaml'])('refuses the name %s', async (name) => {
    const space = workspace();

    const result = await runCli(['new', name], { cwd: space.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`"${name}" is not a runbook name: use lower case letters, digits and dashes, starting with a letter`);
    expect(existsSync(space.file(`${name}.yaml`))).toBe(false);
  });
});
