/**
 * The package as a team gets it: packed with `npm pack`, unpacked into a project of its own in a
 * temporary folder (offline: its dependencies are this checkout's, linked), where a typed plugin
 * is checked by TypeScript 5 as a team's project would and run by the packed CLI.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';

const exec = promisify(execFile);
/** TypeScript 5, as teams have it (the project's own is 7): installed by `npm ci` (test/package/typescript5). */
const TSC5 = path.join(REPO, 'test/package/typescript5/node_modules/typescript/bin/tsc');

/**
 * A team's TypeScript settings: what TypeScript 5.9's `tsc --init` writes (strict, module
 * nodenext, ...), checking only, with Node's types and the syntax that type stripping can load.
 */
const TEAM_TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    target: 'esnext',
    types: ['node'],
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    strict: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: 'force',
    skipLibCheck: true,
    erasableSyntaxOnly: true,
    noEmit: true,
  },
  include: ['*.ts'],
};

/** The contract's types by name, as the issue and docs/plugins.md show the import. */
const CONTRACT_TYPES = `import type { Plan, StepContext, StepDefinition } from 'stepwise';

const summary = (plan: Plan): string => (typeof plan === 'string' ? plan : plan.summary);

export const echo: StepDefinition<{ text: string }> = {
  type: 'team.echo',
  description: 'Log a text.',
  effect: (input) => (input.text.length > 0 ? 'read' : 'interactive'),
  input: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
  async plan(_ctx: StepContext, input) {
    return { summary: summary(input.text), details: 'nothing changes' };
  },
  async run(ctx: StepContext, input) {
    ctx.log(input.text);
    return [input.text, ctx.dryRun, null];
  },
};
`;

interface Packed {
  filename: string;
  files: { path: string }[];
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function outcome(command: string, args: string[], cwd: string): Promise<Outcome> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STEPWISE_')));
  try {
    const { stdout, stderr } = await exec(command, args, { cwd, env: { ...env, CI: '1', NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A fenced block of docs/plugins.md that starts with `marker` (its first line). */
function docBlock(language: string, marker: string): string {
  const doc = readFileSync(path.join(REPO, 'docs/plugins.md'), 'utf8');
  const block = new RegExp(`\`\`\`${language}\\n(${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n[\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  if (block === undefined) throw new Error(`docs/plugins.md has no ${language} block starting with ${marker}`);
  return block;
}

describe('the published package', () => {
  let scratch: string;
  let packed: Packed;
  let project: string;
  let cli: string;

  beforeAll(async () => {
    if (!existsSync(TSC5)) throw new Error(`${TSC5} is missing: run \`npm ci\` (package.json installs TypeScript 5 there for this test)`);
    scratch = mkdtempSync(path.join(os.tmpdir(), 'stepwise-package-'));
    // the scripts would build again: `npm test` has built already
    const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: REPO });
    packed = (JSON.parse(stdout) as Packed[])[0]!;

    project = path.join(scratch, 'team');
    const installed = path.join(project, 'node_modules/stepwise');
    mkdirSync(installed, { recursive: true });
    await exec('tar', ['-xzf', path.join(scratch, packed.filename), '-C', installed, '--strip-components=1']);
    // npm would install the dependencies; offline, this checkout's stand in for them
    symlinkSync(path.join(REPO, 'node_modules'), path.join(installed, 'node_modules'));
    mkdirSync(path.join(project, 'node_modules/@types'));
    symlinkSync(path.join(REPO, 'node_modules/@types/node'), path.join(project, 'node_modules/@types/node'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'team-runbooks', private: true, type: 'module', devDependencies: { stepwise: '^0.1.0' } }));
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(TEAM_TSCONFIG));
    cli = path.join(installed, 'dist/engine/cli.js');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('holds the engine, the step types, the state backends, their declarations, the schema, the runbooks and the docs, and no tests, benchmarks or scripts', () => {
    const files = packed.files.map((file) => file.path);
    const tops = new Set(files.map((file) => file.split('/').slice(0, file.startsWith('dist/') ? 2 : 1).join('/')));
    expect([...tops].sort()).toEqual(['README.md', 'dist/engine', 'dist/state', 'dist/steps', 'docs', 'package.json', 'runbooks', 'schemas']);
    expect(files).toEqual(expect.arrayContaining(['dist/engine/cli.js', 'dist/engine/index.js', 'dist/engine/index.d.ts', 'dist/engine/step-definition.d.ts', 'schemas/runbook.schema.json', 'docs/plugins.md']));
    expect(files.filter((file) => /(^|\/)(test|bench|scripts)\//.test(file))).toEqual([]);
  });

  it("resolves 'stepwise' through the package's exports at run time: defineStep and StepFailure, nothing else of the engine", async () => {
    const script = [
      "import * as stepwise from 'stepwise';",
      "const failure = new stepwise.StepFailure('no', { code: 'team.no', retryable: false });",
      "const definition = { type: 'team.x' };",
      'console.log(JSON.stringify({ names: Object.keys(stepwise).sort(), same: stepwise.defineStep(definition) === definition, code: failure.code, retryable: failure.retryable }));',
      "await import('stepwise/dist/engine/cli.js').then(() => console.log('deep import allowed'), (error) => console.log(error.code));",
    ].join('\n');

    const imported = await outcome(process.execPath, ['--input-type=module', '-e', script], project);

    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout.split('\n')).toEqual([JSON.stringify({ names: ['StepFailure', 'defineStep'], same: true, code: 'team.no', retryable: false }), 'ERR_PACKAGE_PATH_NOT_EXPORTED', '']);
  });

  it("type-checks the docs' plugin and `stepwise new --plugin`'s against the package with TypeScript 5, and refuses a plugin that breaks the contract", async () => {
    writeFileSync(path.join(project, 'release-steps.ts'), docBlock('ts', '// release-steps.ts'));
    const scaffold = await outcome(process.execPath, [cli, 'new', 'restart-workers', '--plugin', 'deploy-steps'], project);
    expect(scaffold.code, scaffold.stderr).toBe(0);
    const broken = docBlock('ts', '// release-steps.ts')
      .replace("effect: 'write'", "effect: 'delete'")
      .replace('await recorded(ctx, input)) === input.version', 'await recorded(ctx, input)) === ctx.region');
    writeFileSync(path.join(project, 'broken-steps.ts'), broken);
    writeFileSync(path.join(project, 'contract.ts'), CONTRACT_TYPES);

    const checked = await outcome(process.execPath, [TSC5, '-p', project, '--pretty', 'false'], project);

    const errors = checked.stdout.trim().split('\n');
    // one run for all four (tsc is slow to start): the working plugins pass, so every error
    // is the broken one's, one for each breach
    expect(checked.code).toBe(2);
    expect(errors.filter((line) => !line.startsWith('broken-steps.ts('))).toEqual([]);
    expect(errors).toHaveLength(2);
    expect(checked.stdout).toMatch(/broken-steps\.ts\(\d+,\d+\): error TS2322: Type '"delete"' is not assignable to type /);
    expect(checked.stdout).toMatch(/broken-steps\.ts\(\d+,\d+\): error TS2339: Property 'region' does not exist on type 'StepContext'\./);
  });

  it("runs the docs' .ts plugin in a runbook through the packed CLI: plans, runs, and is already in place the second time", async () => {
    writeFileSync(path.join(project, 'release-steps.ts'), docBlock('ts', '// release-steps.ts'));
    writeFileSync(path.join(project, 'release.yaml'), docBlock('yaml', '# release.yaml'));
    const stateDir = path.join(scratch, 'state');

    const plan = await outcome(process.execPath, [cli, 'plan', 'release.yaml', '-p', 'version=1.4.0', '--json'], project);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).steps[0]).toMatchObject({ id: 'record', status: 'planned', plans: [{ plan: { summary: 'record 1.4.0 in RELEASE', details: 'the file does not exist yet' } }] });

    const run = await outcome(process.execPath, [cli, 'run', 'release.yaml', '-p', 'version=1.4.0', '--json', '--state-dir', stateDir], project);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', outputs: { previous: null } });
    expect(readFileSync(path.join(project, 'RELEASE'), 'utf8')).toBe('1.4.0\n');

    const again = await outcome(process.execPath, [cli, 'run', 'release.yaml', '-p', 'version=1.4.0', '--json', '--state-dir', stateDir], project);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).steps[0]).toMatchObject({ id: 'record', status: 'satisfied' });
  });
});
