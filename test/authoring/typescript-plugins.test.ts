import { describe, expect, it } from 'vitest';
import { expectNoStackTrace, onlyRunId, runCli, workspace } from '../support/cli.js';

/**
 * A typed plugin as a team writes it: the contract's types from 'stepwise' (gone once stripped),
 * StepFailure from 'stepwise' at run time (the engine's own), a sibling module imported the way
 * TypeScript's nodenext wants it ('./wording.js' for wording.ts).
 */
const TYPED_PLUGIN = `import type { StepContext, StepDefinition } from 'stepwise';
import { StepFailure } from 'stepwise';
import { missing } from './wording.js';

interface Input {
  file: string;
}

const needsFile: StepDefinition<Input> = {
  type: 'team.needs-file',
  description: 'Fail unless a file exists.',
  effect: 'read',
  input: { type: 'object', required: ['file'], properties: { file: { type: 'string' } } },
  async run(ctx: StepContext, input: Input) {
    const { existsSync } = await import('node:fs');
    const path = await import('node:path');
    if (!existsSync(path.resolve(ctx.runbookDir, input.file))) throw new StepFailure(missing(input.file), { code: 'team.missing', retryable: false });
    return { found: input.file };
  },
};

export default needsFile;
`;

const WORDING = "export const missing = (file: string): string => `${file} is missing`;\n";

const RUNBOOK = `apiVersion: stepwise/v1
name: typed
version: 1.0.0
plugins: [ ./team-steps.ts ]
steps:
  - id: gate
    type: team.needs-file
    with: { file: go }
    outputs: { found: found }
outputs:
  found: "\${{ steps.gate.outputs.found }}"
`;

describe('a plugin written in TypeScript', () => {
  it("runs without a build step, its StepFailure is the engine's, and the files it imports are part of the run's hash", async () => {
    const space = workspace();
    space.write('team-steps.ts', TYPED_PLUGIN);
    space.write('wording.ts', WORDING);
    const file = space.write('typed.yaml', RUNBOOK);

    const first = await runCli(['run', file, '--json', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(first.code, first.stderr).toBe(1);
    // code and retryable come through: the engine recognised the plugin's StepFailure as its own
    expect(JSON.parse(first.stdout).steps[0]).toMatchObject({ status: 'failed', error: { message: 'go is missing', code: 'team.missing' } });
    const runId = onlyRunId(space.stateDir);

    space.write('go', '');
    space.write('wording.ts', WORDING.replace('is missing', 'is still missing'));
    const refused = await runCli(['resume', runId, '--yes', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the runbook ${file} changed since run ${runId} started`);

    const allowed = await runCli(['resume', runId, '--yes', '--allow-changed', '--json', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ status: 'succeeded', outputs: { found: 'go' } });
  });

  it('is refused where its TypeScript cannot be read, located in the .ts file that holds the mistake', async () => {
    const space = workspace();
    space.write('team-steps.ts', "import { wording } from './wording.js';\nexport default { type: 'team.x', description: wording, effect: 'read', input: { type: 'object' }, run: async () => null };\n");
    space.write('wording.ts', "export const wording: string = 'x';\nexport const broken = { a: 1 ;\n");
    space.write('enum-steps.ts', "enum Effect { Read = 'read' }\nexport default { type: 'team.y', description: 'y', effect: Effect.Read, input: { type: 'object' }, run: async () => null };\n");
    const syntax = space.write('syntax.yaml', RUNBOOK);
    const enumRunbook = space.write('enum.yaml', RUNBOOK.replace('./team-steps.ts', './enum-steps.ts'));

    const result = await runCli(['validate', syntax, enumRunbook], { cwd: space.dir });

    expect(result.code).toBe(2);
    expectNoStackTrace(result.stderr);
    expect(result.stderr).toContain(`${space.dir}/wording.ts:2:30: plugin ./team-steps.ts: Expected ',', got ';' [plugin-load]\n`);
    expect(result.stderr).toContain(`${space.dir}/enum-steps.ts:1:1: plugin ./enum-steps.ts: TypeScript enum is not supported: stepwise loads a .ts plugin by stripping its types`);
  });

  it('keeps lines and columns where the author wrote them, so an error thrown while it loads is located in the .ts file that threw', async () => {
    const space = workspace();
    space.write('team-steps.ts', "import { region } from './settings.js';\nexport default { type: 'team.x', description: region, effect: 'read', input: { type: 'object' }, run: async () => null };\n");
    space.write('settings.ts', "const found: string | undefined = process.env.NO_SUCH_VARIABLE;\nif (!found) throw new Error('set NO_SUCH_VARIABLE');\nexport const region: string = found;\n");
    const file = space.write('typed.yaml', RUNBOOK);

    const result = await runCli(['validate', file], { cwd: space.dir });

    expect(result.code).toBe(2);
    expectNoStackTrace(result.stderr);
    // column 19: \`new Error\`, past the blanks that stand where the types were
    expect(result.stderr.split('\n')[0]).toBe(`${space.dir}/settings.ts:2:19: plugin ./team-steps.ts failed to load: set NO_SUCH_VARIABLE [plugin-load]`);
  });

  it('locates a definition that breaks the contract at its key at fault in the .ts file, at its type when that key is not written there, or at the runbook\'s entry when the type is not written once', async () => {
    const space = workspace();
    space.write(
      'team-steps.ts',
      "const effect = 'delete';\nexport default [\n  { type: 'team.ok', description: 'ok', effect: 'read', input: { type: 'object' }, run: async () => null },\n  { type: 'team.bad', description: 'bad', effect, input: { type: 'object' }, run: async () => null },\n];\n",
    );
    space.write('built-steps.ts', "const name = 'bad';\nexport default { type: `team.${name}`, description: 'd', effect: 'delete', input: { type: 'object' }, run: async () => null };\n");
    // the key before the type, a nested object with a key of that name, a comment and a string with braces on the way
    space.write(
      'early-steps.ts',
      "export default {\n  input: { type: 'object', properties: { basis: { type: 'string' } } },\n  description: 'a { brace', // and } one\n  basis: 'yesterday',\n  type: 'team.early', effect: 'write', run: async () => null,\n};\n",
    );
    space.write('spread-steps.ts', "const common = { effect: 'read', includes: 'all' };\nexport default { ...common, type: 'team.spread', description: 'd', input: { type: 'object' }, run: async () => null };\n");
    const located = space.write('typed.yaml', RUNBOOK);
    const atEntry = space.write('built.yaml', RUNBOOK.replace('./team-steps.ts', './built-steps.ts'));
    const early = space.write('early.yaml', RUNBOOK.replace('./team-steps.ts', './early-steps.ts'));
    const spread = space.write('spread.yaml', RUNBOOK.replace('./team-steps.ts', './spread-steps.ts'));

    const result = await runCli(['validate', located, atEntry, early, spread], { cwd: space.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${space.dir}/team-steps.ts:4:43: plugin ./team-steps.ts: step type "team.bad" has effect "delete"; allowed: read, write, interactive [plugin-load]\n`);
    expect(result.stderr).toContain(`${atEntry}:4:12: plugin ./built-steps.ts: step type "team.bad" has effect "delete"; allowed: read, write, interactive [plugin-load]\n`);
    expect(result.stderr).toContain(`${space.dir}/early-steps.ts:4:3: plugin ./early-steps.ts: step type "team.early" needs "basis" to be`);
    expect(result.stderr).toContain(`${space.dir}/spread-steps.ts:2:35: plugin ./spread-steps.ts: step type "team.spread" needs "includes" to be a function, not a string [plugin-load]\n`);
  });
});
