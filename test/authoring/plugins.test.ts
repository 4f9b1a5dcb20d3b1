import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectNoStackTrace, onlyRunId, readJournalLines, REPO, runCli, workspace, type Workspace } from '../support/cli.js';

/** A plugin step type that appends to a file, so that a test sees each time it really ran. */
const COUNTING_PLUGIN = `
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export default [
  {
    type: 'team.count',
    description: 'Append a line to a file and return how many it holds.',
    effect: 'write',
    input: { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string' } } },
    async plan(_ctx, input) { return 'append a line to ' + input.file; },
    async run(ctx, input) {
      const file = path.resolve(ctx.runbookDir, input.file);
      appendFileSync(file, 'ran\\n');
      return { lines: (await import('node:fs')).readFileSync(file, 'utf8').split('\\n').length - 1 };
    },
  },
  {
    type: 'team.needs-file',
    description: 'Fail unless a file exists.',
    effect: 'read',
    input: { type: 'object', required: ['file'], properties: { file: { type: 'string' } } },
    async run(ctx, input) {
      if (!existsSync(path.resolve(ctx.runbookDir, input.file))) throw new Error(input.file + ' is missing');
      return { found: true };
    },
  },
];
`;

const RUNBOOK_WITH_PLUGIN = `apiVersion: stepwise/v1
name: with-plugin
version: 1.0.0
plugins:
  - ./team-steps.js
steps:
  - id: count
    type: team.count
    with: { file: count.txt }
    outputs: { lines: lines }
  - id: gate
    type: team.needs-file
    with: { file: go }
outputs:
  lines: "\${{ steps.count.outputs.lines }}"
`;

function brokenPluginRunbook(space: Workspace, name: string, plugin: string | undefined): string {
  if (plugin !== undefined) space.write(`${name}.js`, plugin);
  return space.write(
    `${name}.yaml`,
    `apiVersion: stepwise/v1
name: ${name}
version: 1.0.0
plugins:
  - ./${name}.js
steps:
  - id: only
    type: shell
    with: { command: [true], effect: read }
`,
  );
}

describe('plugins', () => {
  it('adds a step type that validates, dry-runs and runs like a built-in one', async () => {
    const space = workspace();
    space.write('team-steps.js', COUNTING_PLUGIN);
    space.write('go', '');
    const file = space.write('with-plugin.yaml', RUNBOOK_WITH_PLUGIN);

    const validated = await runCli(['validate', file], { cwd: space.dir });
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);

    const plan = await runCli(['plan', file, '--json'], { cwd: space.dir });
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).steps[0]).toMatchObject({ id: 'count', status: 'planned', type: 'team.count', plans: [{ plan: 'append a line to count.txt' }] });

    const run = await runCli(['run', file, '--json', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).outputs).toEqual({ lines: 1 });
    expect(space.read('count.txt')).toBe('ran\n');
  });

  it('works as the README shows it', async () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const plugin = /```js\n(\/\/ team-steps\.js\n[\s\S]*?)```/.exec(readme)?.[1];
    const usage = /```yaml\n(plugins: \[\.\/team-steps\.js\][\s\S]*?)```/.exec(readme)?.[1];
    expect(plugin, 'the README\'s plugin example').toBeDefined();
    expect(usage, 'the README\'s use of the plugin').toBeDefined();
    const space = workspace();
    space.write('team-steps.js', plugin!);
    const file = space.write('health.yaml', `apiVersion: stepwise/v1\nname: health\nversion: 1.0.0\nparams:\n  host: { type: string }\n${usage}`);

    const result = await runCli(['validate', file], { cwd: space.dir });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses each kind of broken plugin with an error located at its entry, naming the file', async () => {
    const space = workspace();
    const cases = [
      { name: 'exports-number', plugin: 'export default 42;\n', says: 'plugin ./exports-number.js: exports a number, not a step definition' },
      { name: 'exports-nothing', plugin: 'export const x = 1;\n', says: 'plugin ./exports-nothing.js: exports nothing as its default export' },
      {
        name: 'duplicates-shell',
        plugin: "export default { type: 'shell', description: 'mine', effect: 'read', input: { type: 'object' }, run: async () => null };\n",
        says: 'plugin ./duplicates-shell.js: step type "shell" is already defined by built-in step types',
      },
      {
        name: 'bad-schema',
        plugin: "export default { type: 'team.bad', description: 'd', effect: 'read', input: { type: 'objekt' }, run: async () => null };\n",
        says: 'plugin ./bad-schema.js: step type "team.bad" has an invalid input schema',
      },
      {
        name: 'includes-not-function',
        plugin: "export default { type: 'team.nested', description: 'd', effect: 'read', input: { type: 'object' }, includes: 'child.yaml', run: async () => null };\n",
        says: 'plugin ./includes-not-function.js: step type "team.nested" needs "includes" to be a function, not a string',
      },
      {
        name: 'discard-kept-not-function',
        plugin: "export default { type: 'team.keeper', description: 'd', effect: 'write', input: { type: 'object' }, discardKept: 'DeleteChangeSet', run: async () => null };\n",
        says: 'plugin ./discard-kept-not-function.js: step type "team.keeper" needs "discardKept" to be a function, not a string',
      },
      {
        name: 'check-input-not-function',
        plugin: "export default { type: 'team.checked', description: 'd', effect: 'read', input: { type: 'object' }, checkInput: [], run: async () => null };\n",
        says: 'plugin ./check-input-not-function.js: step type "team.checked" needs "checkInput" to be a function, not a list',
      },
      { name: 'throws', plugin: "throw new Error('cannot reach the vault');\n", says: 'plugin ./throws.js failed to load: cannot reach the vault' },
      { name: 'missing', plugin: undefined, says: 'plugin ./missing.js: no such file' },
    ];
    const files = cases.map((c) => brokenPluginRunbook(space, c.name, c.plugin));

    const result = await runCli(['validate', ...files], { cwd: space.dir });

    expect(result.code).toBe(2);
    expectNoStackTrace(result.stderr);
    for (const [index, c] of cases.entries()) {
      const line = result.stderr.split('\n').find((text) => text.startsWith(`${files[index]}:`));
      expect(line, `no error for ${c.name} in:\n${result.stderr}`).toBeDefined();
      // the `- ./NAME.js` entry under plugins: is line 5, its value at column 5
      expect(line).toMatch(new RegExp(`^${escape(files[index]!)}:5:5: `));
      expect(line).toContain(c.says);
    }
    expect(result.stderr).toContain(`${cases.length} of ${cases.length} runbooks invalid`);
  });

  it('is part of the run\'s hash: a plugin changed since the run refuses the resume, --allow-changed follows it', async () => {
    const space = workspace();
    space.write('team-steps.js', COUNTING_PLUGIN);
    const file = space.write('with-plugin.yaml', RUNBOOK_WITH_PLUGIN);
    const first = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir });
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('go is missing');
    const runId = onlyRunId(space.stateDir);

    space.write('team-steps.js', COUNTING_PLUGIN.replace("' is missing'", "' is still missing'"));
    space.write('go', '');
    const refused = await runCli(['resume', runId, '--yes', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`the runbook ${file} changed since run ${runId} started`);
    expect(refused.stderr).toContain('--allow-changed');
    expect(space.read('count.txt')).toBe('ran\n');

    const allowed = await runCli(['resume', runId, '--yes', '--allow-changed', '--json', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ status: 'succeeded', outputs: { lines: 1 } });
    // the write step finished before the change: it is restored, not run a second time
    expect(space.read('count.txt')).toBe('ran\n');
  });

  it('hashes the files a plugin imports too, followed from file to file, but not the packages it uses', async () => {
    const space = workspace();
    space.write('team-steps.js', "import { message } from './lib/message.js';\nimport path from 'node:path';\n" + COUNTING_PLUGIN.replace("input.file + ' is missing'", "message(input.file)").replace("import path from 'node:path';\n", ''));
    space.write('lib/message.js', "export { message } from './wording.js';\n");
    space.write('lib/wording.js', "export const message = (file) => file + ' is missing';\n");
    const file = space.write('with-plugin.yaml', RUNBOOK_WITH_PLUGIN);
    const first = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir });
    expect(first.stderr).toContain('go is missing');
    const runId = onlyRunId(space.stateDir);

    space.write('lib/wording.js', "export const message = (file) => file + ' is still missing';\n");
    space.write('go', '');
    const refused = await runCli(['resume', runId, '--yes', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the runbook ${file} changed since run ${runId} started`);
  });

  it('hashes a module a step imports only once it runs: a resume notices its change, --allow-changed follows it', async () => {
    const space = workspace();
    const lazy = "{\n        const { message } = await import('./lib/lazy.js');\n        throw new Error(message(input.file));\n      }";
    space.write('team-steps.js', COUNTING_PLUGIN.replace("throw new Error(input.file + ' is missing');", lazy));
    space.write('lib/lazy.js', "export const message = (file) => file + ' is missing';\n");
    const file = space.write('with-plugin.yaml', RUNBOOK_WITH_PLUGIN);
    const first = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir });
    expect(first.code, first.printed).toBe(1);
    expect(first.stderr).toContain('go is missing');
    const runId = onlyRunId(space.stateDir);
    const recorded = () => readJournalLines(space.stateDir, runId).filter((entry) => entry.type === 'plugin-files-loaded').flatMap((entry) => entry.files as { path: string; sha256: string }[]);
    expect(recorded().map((loaded) => loaded.path)).toEqual(['lib/lazy.js']);

    const unchanged = await runCli(['resume', runId, '--yes', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(unchanged.code, 'an unchanged module lets the resume run').toBe(1);
    expect(unchanged.stderr).toContain('go is missing');

    space.write('lib/lazy.js', "export const message = (file) => file + ' is still missing';\n");
    space.write('go', '');
    const refused = await runCli(['resume', runId, '--yes', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(refused.code, refused.printed).toBe(2);
    expect(refused.stderr).toContain(`the runbook ${file} changed since run ${runId} started`);
    expect(refused.stderr).toContain('plugin files a step loaded as it ran changed: lib/lazy.js');
    expectNoStackTrace(refused.printed);

    const allowed = await runCli(['resume', runId, '--yes', '--allow-changed', '--json', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(allowed.code, allowed.printed).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ status: 'succeeded', outputs: { lines: 1 } });
    expect(space.read('count.txt')).toBe('ran\n');
  });

  it.each([
    ['a module imported by its absolute path', 'lib/absolute.js'],
    ['a module imported by a computed name', 'lib/computed.js'],
    ['the end of a CommonJS require chain', 'lib/cjs/wording.cjs'],
  ])('hashes what loading a plugin loaded, such as %s', async (_what, edited) => {
    const space = workspace();
    space.write('lib/absolute.js', "export const absolute = 'absolute';\n");
    space.write('lib/computed.js', "export const computed = 'computed';\n");
    space.write('lib/cjs/index.cjs', "module.exports = require('./message.cjs');\n");
    space.write('lib/cjs/message.cjs', "const { wording } = require('./wording.cjs');\nexports.message = (file) => file + wording;\n");
    space.write('lib/cjs/wording.cjs', "exports.wording = ' is missing';\n");
    space.write('node_modules/team-words/package.json', JSON.stringify({ name: 'team-words', main: 'index.js' }));
    space.write('node_modules/team-words/index.js', "exports.word = 'word';\n");
    const imports = [
      "import { createRequire } from 'node:module';",
      `import { absolute } from ${JSON.stringify(space.file('lib/absolute.js'))};`,
      "const { computed } = await import(['./lib', 'computed.js'].join('/'));",
      'const require = createRequire(import.meta.url);',
      "const { message } = require('./lib/cjs/index.cjs');",
      "const { word } = require('team-words');",
      'void [absolute, computed, word];',
    ].join('\n');
    space.write('team-steps.js', `${imports}\n${COUNTING_PLUGIN.replace("input.file + ' is missing'", 'message(input.file)')}`);
    await expectResumeRefusedOnceEdited(space, edited);
  });

  it.each([
    ['a module it imports by a relative path', 'lib/relative.js'],
    ['a module imported by its absolute path', 'lib/absolute.js'],
    ['a module imported by a file: URL', 'lib/url.js'],
    ['the end of an export ... from chain', 'lib/wording.js'],
    ['the end of a CommonJS require chain', 'lib/cjs/wording.cjs'],
  ])('hashes what a plugin whose imports name every module loads, read from its import statements, such as %s', async (_what, edited) => {
    const space = workspace();
    space.write('lib/relative.js', "export { message } from './message.js';\n");
    space.write('lib/message.js', "export * from './wording.js';\n");
    space.write('lib/wording.js', "export const message = (file) => file + ' is missing';\n");
    space.write('lib/absolute.js', "export const absolute = 'absolute';\n");
    space.write('lib/url.js', "export const url = 'url';\n");
    space.write('lib/cjs/index.cjs', "module.exports = require('./wording.cjs');\n");
    space.write('lib/cjs/wording.cjs', "exports.wording = ' is missing';\n");
    const imports = [
      "import { createRequire } from 'node:module';",
      "import { message } from './lib/relative.js';",
      `import { absolute } from ${JSON.stringify(space.file('lib/absolute.js'))};`,
      `import { url } from ${JSON.stringify(pathToFileURL(space.file('lib/url.js')).href)};`,
      "const { wording } = createRequire(import.meta.url)('./lib/cjs/index.cjs');",
      'void [absolute, url, wording];',
    ].join('\n');
    // no import() anywhere, so that the plugin's import statements tell all it loads
    const plugin = COUNTING_PLUGIN.replace("(await import('node:fs')).readFileSync", 'readFileSync').replace('appendFileSync, existsSync', 'appendFileSync, existsSync, readFileSync');
    space.write('team-steps.js', `${imports}\n${plugin.replace("input.file + ' is missing'", 'message(input.file)')}`);
    await expectResumeRefusedOnceEdited(space, edited);
  });

  it('does not count a change of a package a plugin uses from node_modules', async () => {
    const space = workspace();
    space.write('node_modules/team-words/package.json', JSON.stringify({ name: 'team-words', main: 'index.js' }));
    space.write('node_modules/team-words/index.js', "exports.suffix = ' is missing';\n");
    space.write('team-steps.js', `import { createRequire } from 'node:module';\nconst { suffix } = createRequire(import.meta.url)('team-words');\n${COUNTING_PLUGIN.replace("' is missing'", 'suffix')}`);
    const file = space.write('with-plugin.yaml', RUNBOOK_WITH_PLUGIN);
    const first = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir });
    expect(first.stderr).toContain('go is missing');
    const runId = onlyRunId(space.stateDir);

    space.write('node_modules/team-words/index.js', "exports.suffix = ' is missing';\n// a newer version\n");
    space.write('go', '');
    const resumed = await runCli(['resume', runId, '--yes', '--state-dir', space.stateDir], { cwd: space.dir });
    expect(resumed.code, resumed.printed).toBe(0);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('a plugin\'s checkInput', () => {
  it('has its problems reported by validate, located in the step\'s with; one that throws is reported at the step\'s type', async () => {
    const space = workspace();
    space.write(
      'team.js',
      `export default [
  { type: 'team.port', description: 'd', effect: 'read', input: { type: 'object' }, run: async () => null,
    checkInput: (input, inspect) => typeof input.port === 'string' && inspect.expressions(input.port).length === 0 && !/^\\d+$/.test(input.port)
      ? [{ path: ['port'], offset: 0, message: 'a port is digits' }] : [] },
  { type: 'team.buggy', description: 'd', effect: 'read', input: { type: 'object' }, run: async () => null,
    checkInput: () => { throw new Error('oops'); } },
];
`,
    );
    const file = space.write(
      'ports.yaml',
      `apiVersion: stepwise/v1
name: ports
version: 1.0.0
plugins: [./team.js]
steps:
  - id: literal
    type: team.port
    with: { port: "80a" }
  - id: computed
    type: team.port
    with: { port: "\${{ run.id }}" }
  - id: buggy
    type: team.buggy
`,
    );

    const result = await runCli(['validate', file], { cwd: space.dir });

    expect(result.code).toBe(2);
    expectNoStackTrace(result.stderr);
    expect(result.stderr).toBe(
      `${file}:8:20: "with.port" of step "literal": a port is digits [step-input]\n` +
        `${file}:13:11: step type "team.buggy" failed to check its input: oops [step-check-crashed]\n` +
        '1 of 1 runbook invalid\n',
    );
  });
});

/** Runs the counting plugin's runbook until it fails, edits `edited`, and expects the resume refused with nothing run again. */
async function expectResumeRefusedOnceEdited(space: Workspace, edited: string): Promise<void> {
  const file = space.write('with-plugin.yaml', RUNBOOK_WITH_PLUGIN);
  const first = await runCli(['run', file, '--state-dir', space.stateDir], { cwd: space.dir });
  expect(first.stderr).toContain('go is missing');
  const runId = onlyRunId(space.stateDir);
  space.write('go', '');

  space.write(edited, `${space.read(edited)}// edited\n`);
  const refused = await runCli(['resume', runId, '--yes', '--state-dir', space.stateDir], { cwd: space.dir });
  expect(refused.code, refused.printed).toBe(2);
  expect(refused.stderr).toContain(`the runbook ${file} changed since run ${runId} started`);
  expect(space.read('count.txt')).toBe('ran\n');
}
