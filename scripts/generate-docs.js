#!/usr/bin/env node
// npm run docs: writes docs/runbooks/<name>.md for every shipped runbook (runbooks/datomic/, runbooks/examples/) and the step types
// reference in README.md, from the built engine (dist/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importBuilt } from './import-built.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { generateReadme, generateRunbookPages, stalePages, writeGeneratedFiles } = await importBuilt(root, 'engine/document/generated-files.js');
const { builtInRegistry } = await importBuilt(root, 'engine/cli/builtins.js');

const { pages, problems } = await generateRunbookPages(root, builtInRegistry());
const readme = await generateReadme(root, builtInRegistry());
// While a runbook is invalid its page is not known, so no page counts as stale.
const done = writeGeneratedFiles(root, [...pages, readme], problems.length > 0 ? [] : stalePages(root, pages));
console.log(done.length > 0 ? done.join('\n') : `${pages.length} runbook pages and the README are up to date`);
if (problems.length > 0) {
  console.error(`some shipped runbooks are invalid and have no page:\n${problems.map((line) => `  ${line}`).join('\n')}`);
  process.exitCode = 1;
}
