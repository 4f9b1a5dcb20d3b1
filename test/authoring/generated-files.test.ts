import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInRegistry } from '../../engine/cli/builtins.js';
import {
  generateReadme,
  generateRunbookPages,
  generateSchemaFile,
  outOfDate,
  shippedRunbooks,
  stalePages,
  STEP_TYPES_BEGIN,
  STEP_TYPES_END,
} from '../../engine/document/generated-files.js';
import { REPO, runCli, workspace } from '../support/cli.js';

/*
 * The generators run from dist/ (npm run docs, npm run schema); these tests generate the same
 * files from the sources and compare them with what is committed.
 */

describe('generated files are up to date', () => {
  it('schemas/runbook.schema.json is what `npm run schema` writes from the step definitions', async () => {
    expect(outOfDate(REPO, [await generateSchemaFile(builtInRegistry())], 'npm run schema')).toEqual([]);
  });

  it('docs/runbooks/ holds an up-to-date page for each shipped runbook, and no other', async () => {
    const { pages, problems } = await generateRunbookPages(REPO, builtInRegistry());
    expect(problems, 'a shipped runbook that is not valid has no page').toEqual([]);
    expect(pages.map((page) => page.source)).toEqual(shippedRunbooks(REPO));
    const stale = stalePages(REPO, pages).map((page) => `${page} documents no shipped runbook: run \`npm run docs\` and commit the result`);
    expect([...outOfDate(REPO, pages, 'npm run docs'), ...stale]).toEqual([]);
  });

  it('the README\'s step types reference is what `npm run docs` writes', async () => {
    expect(outOfDate(REPO, [await generateReadme(REPO, builtInRegistry())], 'npm run docs')).toEqual([]);
  });
});

describe('the staleness check', () => {
  const RUNBOOK = `apiVersion: stepwise/v1
name: tidy
version: 1.0.0
steps:
  - id: look
    type: shell
    with: { command: [ls], effect: read }
`;

  it('names each out-of-date, missing or orphaned file and the command that regenerates it', async () => {
    const space = workspace();
    space.write('runbooks/examples/tidy.yaml', RUNBOOK);
    space.write('runbooks/examples/sweep.yaml', RUNBOOK.replace('name: tidy', 'name: sweep'));
    space.write('README.md', `# x\n\n${STEP_TYPES_BEGIN}\nold\n${STEP_TYPES_END}\n`);
    const { pages, problems } = await generateRunbookPages(space.dir, builtInRegistry());
    expect(problems).toEqual([]);
    space.write('docs/runbooks/tidy.md', pages.find((page) => page.path === 'docs/runbooks/tidy.md')!.text.replace('Version `1.0.0`', 'Version `0.9.0`'));
    space.write('docs/runbooks/gone.md', '# gone\n');

    const readme = await generateReadme(space.dir, builtInRegistry());

    expect(outOfDate(space.dir, [...pages, readme], 'npm run docs')).toEqual([
      'docs/runbooks/sweep.md is missing: run `npm run docs` and commit the result',
      'docs/runbooks/tidy.md is out of date with runbooks/examples/tidy.yaml: run `npm run docs` and commit the result',
      'README.md is out of date with the step definitions: run `npm run docs` and commit the result',
    ]);
    expect(stalePages(space.dir, pages)).toEqual(['docs/runbooks/gone.md']);
    expect(readme.text).toContain('| [`shell`](#shell) |');
    expect(readme.text.startsWith(`# x\n\n${STEP_TYPES_BEGIN}\n`)).toBe(true);
    expect(readme.text.endsWith(`\n${STEP_TYPES_END}\n`)).toBe(true);
  });

  it('refuses a shipped runbook that is invalid, or that shares another one\'s name, with located reasons', async () => {
    const space = workspace();
    space.write('runbooks/datomic/tidy.yaml', RUNBOOK);
    space.write('runbooks/examples/a/tidy.yaml', RUNBOOK);
    space.write('runbooks/examples/broken.yaml', RUNBOOK.replace('type: shell', 'type: shel'));

    const { pages, problems } = await generateRunbookPages(space.dir, builtInRegistry());

    expect(pages.map((page) => page.path)).toEqual(['docs/runbooks/tidy.md']);
    expect(problems).toEqual([
      'runbooks/examples/a/tidy.yaml: name "tidy" is also the name of runbooks/datomic/tidy.yaml; each shipped runbook needs its own name, for its page docs/runbooks/tidy.md',
      'runbooks/examples/broken.yaml:6:11: unknown step type "shel"; did you mean "shell"? [unknown-step-type]',
    ]);
  });

  it('leaves a runbook written as the README says (stepwise new NAME --dir runbooks/team) out of the check: it is the team\'s, not shipped', async () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const advice = /^stepwise new (\S+) --dir (\S+)$/m.exec(readme);
    expect(advice, 'the README\'s `stepwise new` line').not.toBeNull();
    const [, name, dir] = advice!;
    const space = workspace();
    space.write('runbooks/examples/tidy.yaml', RUNBOOK);
    space.write('runbooks/shipped-folders.json', '["examples"]\n');
    space.write('README.md', `# x\n\n${STEP_TYPES_BEGIN}\nold\n${STEP_TYPES_END}\n`);
    const before = await generateRunbookPages(space.dir, builtInRegistry());
    for (const page of before.pages) space.write(page.path, page.text);

    const written = await runCli(['new', name!, '--dir', dir!], { cwd: space.dir });
    expect(written.code, written.stderr).toBe(0);
    expect(existsSync(space.file(`${dir}/${name}.yaml`))).toBe(true);

    const after = await generateRunbookPages(space.dir, builtInRegistry());
    expect(after.problems).toEqual([]);
    expect([...outOfDate(space.dir, after.pages, 'npm run docs'), ...stalePages(space.dir, after.pages)]).toEqual([]);
    expect(shippedRunbooks(space.dir)).toEqual(['runbooks/examples/tidy.yaml']);
  });
});
