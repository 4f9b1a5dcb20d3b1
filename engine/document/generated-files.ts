import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StepRegistry } from '../registry.js';
import { formatDiagnostic } from '../validate/diagnostic.js';
import { validateRunbookFile } from '../validate/validate-runbook.js';
import { buildEditorSchema } from './editor-schema.js';
import { pageName, renderRunbookDocs } from './render-docs.js';
import { renderStepTypesReference } from './step-reference.js';

/*
 * The files of this repository that are generated from the step definitions and the shipped
 * runbooks. The scripts write them from dist/; the tests compare them from the sources, so a
 * definition or a runbook that changed without regenerating fails with the command to run.
 */

export const SCHEMA_FILE = 'schemas/runbook.schema.json';
const RUNBOOK_PAGES_DIR = 'docs/runbooks';
const RUNBOOKS_DIR = 'runbooks';
/**
 * Names the folders under runbooks/ whose runbooks the repository ships and documents, as a JSON
 * list. A team's own runbooks, which the README has it write beside them (`stepwise new NAME
 * --dir runbooks/team`), are not: their pages come from `stepwise docs FILE` when wanted, and a
 * page kept in docs/runbooks/ would go stale at the author's every edit. Without the file, every
 * folder is shipped.
 */
const SHIPPED_FOLDERS_FILE = 'runbooks/shipped-folders.json';
const README_FILE = 'README.md';
export const STEP_TYPES_BEGIN = '<!-- step-types:begin -->';
export const STEP_TYPES_END = '<!-- step-types:end -->';

/** A file's path relative to the repository root, with `/` separators, and its whole text. */
export interface GeneratedFile {
  path: string;
  text: string;
  /** What it is generated from, for the message that says it is out of date. */
  source: string;
}

export async function generateSchemaFile(registry: StepRegistry): Promise<GeneratedFile> {
  return { path: SCHEMA_FILE, text: `${JSON.stringify(await buildEditorSchema(registry), null, 2)}\n`, source: 'the step definitions' };
}

/** Every .yaml file under the shipped runbook folders (hidden ones aside), relative to the root, sorted. */
export function shippedRunbooks(root: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(path.join(root, folder), { withFileTypes: true })) {
      const relative = `${folder}/${entry.name}`;
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile() && entry.name.endsWith('.yaml')) found.push(relative);
    }
  };
  for (const folder of shippedFolders(root)) if (existsSync(path.join(root, folder))) walk(folder);
  return found.sort();
}

function shippedFolders(root: string): string[] {
  const manifest = path.join(root, SHIPPED_FOLDERS_FILE);
  if (!existsSync(manifest)) return [RUNBOOKS_DIR];
  const names: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string' && /^[\w.-]+$/.test(name))) {
    throw new Error(`${SHIPPED_FOLDERS_FILE} must be a JSON list of folder names under ${RUNBOOKS_DIR}/`);
  }
  return names.map((name) => `${RUNBOOKS_DIR}/${name}`);
}

export interface RunbookPages {
  pages: GeneratedFile[];
  /** Why a shipped runbook has no page: its located errors, or a name another one has. */
  problems: string[];
}

/** docs/runbooks/<name>.md for each shipped runbook that is valid. */
export async function generateRunbookPages(root: string, registry: StepRegistry): Promise<RunbookPages> {
  const pages: GeneratedFile[] = [];
  const problems: string[] = [];
  for (const relative of shippedRunbooks(root)) {
    const validation = await validateRunbookFile(path.join(root, relative), registry);
    if (!validation.ok) {
      problems.push(...validation.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic({ ...d, file: path.relative(root, d.file) })));
      continue;
    }
    const page = `${RUNBOOK_PAGES_DIR}/${pageName(validation.runbook.name)}`;
    const twin = pages.find((existing) => existing.path === page);
    if (twin) {
      problems.push(`${relative}: name "${validation.runbook.name}" is also the name of ${twin.source}; each shipped runbook needs its own name, for its page ${page}`);
      continue;
    }
    const text = await renderRunbookDocs(validation.runbook, validation.registry, { file: path.join(root, relative), displayPath: relative });
    pages.push({ path: page, text, source: relative });
  }
  return { pages, problems };
}

/** README.md with the step types reference between its markers rewritten. */
export async function generateReadme(root: string, registry: StepRegistry): Promise<GeneratedFile> {
  const readme = readFileSync(path.join(root, README_FILE), 'utf8');
  const begin = readme.indexOf(STEP_TYPES_BEGIN);
  const end = readme.indexOf(STEP_TYPES_END);
  if (begin < 0 || end < begin) throw new Error(`${README_FILE} needs the lines ${STEP_TYPES_BEGIN} and ${STEP_TYPES_END}, in that order, around the step types reference`);
  const definitions = await Promise.all(registry.types().map((type) => registry.load(type)));
  const reference = renderStepTypesReference(definitions);
  const text = `${readme.slice(0, begin + STEP_TYPES_BEGIN.length)}\n${reference}\n${readme.slice(end)}`;
  return { path: README_FILE, text, source: 'the step definitions' };
}

/** Pages in docs/runbooks/ that no shipped runbook produces any more. */
export function stalePages(root: string, pages: readonly GeneratedFile[]): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(root, RUNBOOK_PAGES_DIR));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.md'))
    .map((name) => `${RUNBOOK_PAGES_DIR}/${name}`)
    .filter((page) => !pages.some((generated) => generated.path === page))
    .sort();
}

/** One message per file whose committed text is not what `command` would write now. */
export function outOfDate(root: string, files: readonly GeneratedFile[], command: string): string[] {
  return files.flatMap((file) => {
    const current = readOrUndefined(path.join(root, file.path));
    if (current === file.text) return [];
    const state = current === undefined ? 'is missing' : `is out of date with ${file.source}`;
    return [`${file.path} ${state}: run \`${command}\` and commit the result`];
  });
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes what changed and removes stale pages; returns what it did, one line each. */
export function writeGeneratedFiles(root: string, files: readonly GeneratedFile[], remove: readonly string[] = []): string[] {
  const done: string[] = [];
  for (const file of files) {
    const target = path.join(root, file.path);
    const current = readOrUndefined(target);
    if (current === file.text) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    done.push(`${current === undefined ? 'wrote' : 'updated'} ${file.path}`);
  }
  for (const stale of remove) {
    rmSync(path.join(root, stale), { force: true });
    done.push(`removed ${stale}`);
  }
  return done;
}
