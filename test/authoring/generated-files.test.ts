import { describe, expect, it } from 'vitest';
import { builtInRegistry } from '../../engine/cli/builtin-registry.js';
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
import { REPO, workspace } from './support/cli.js';

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
    space.write('runbooks/team/tidy.yaml', RUNBOOK);
    space.write('runbooks/team/sweep.yaml', RUNBOOK.replace('name: tidy', 'name: sweep'));
    space.write('README.md', `# x\n\n${STEP_TYPES_BEGIN}\nold\n${STEP_TYPES_END}\n`);
    const { pages, problems } = await generateRunbookPages(space.dir, builtInRegistry());
    expect(problems).toEqual([]);
    space.write('docs/runbooks/tidy.md', pages.find((page) => page.path === 'docs/runbooks/tidy.md')!.text.replace('Version `1.0.0`', 'Version `0.9.0`'));
    space.write('docs/runbooks/gone.md', '# gone\n');

    const readme = await generateReadme(space.dir, builtInRegistry());

    expect(outOfDate(space.dir, [...pages, readme], 'npm run docs')).toEqual([
      'docs/runbooks/sweep.md is missing: run `npm run docs` and commit the result',
      'docs/runbooks/tidy.md is out of date with runbooks/team/tidy.yaml: run `npm run docs` and commit the result',
      'README.md is out of date with the step definitions: run `npm run docs` and commit the result',
    ]);
    expect(stalePages(space.dir, pages)).toEqual(['docs/runbooks/gone.md']);
    expect(readme.text).toContain('| [`shell`](#shell) |');
    expect(readme.text.startsWith(`# x\n\n${STEP_TYPES_BEGIN}\n`)).toBe(true);
    expect(readme.text.endsWith(`\n${STEP_TYPES_END}\n`)).toBe(true);
  });

  it('refuses a shipped runbook that is invalid, or that shares another one\'s name, with located reasons', async () => {
    const space = workspace();
    space.write('runbooks/a/tidy.yaml', RUNBOOK);
    space.write('runbooks/b/tidy.yaml', RUNBOOK);
    space.write('runbooks/c/broken.yaml', RUNBOOK.replace('type: shell', 'type: shel'));

    const { pages, problems } = await generateRunbookPages(space.dir, builtInRegistry());

    expect(pages.map((page) => page.path)).toEqual(['docs/runbooks/tidy.md']);
    expect(problems).toEqual([
      'runbooks/b/tidy.yaml: name "tidy" is also the name of runbooks/a/tidy.yaml; each shipped runbook needs its own name, for its page docs/runbooks/tidy.md',
      'runbooks/c/broken.yaml:6:11: unknown step type "shel"; did you mean "shell"?',
    ]);
  });
});
