/**
 * No dead exports: a function, constant or class that a module of engine/, steps/, state/ or
 * aws/ exports is used by another module, a test, a script or the docs. Types are left out:
 * they name the parts of an exported signature, which a reader of the module needs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const SOURCES = ['engine', 'steps', 'state', 'aws'];
const READERS = [...SOURCES, 'test', 'scripts', 'bench', 'docs'];
const EXPORTED_VALUE = /^export (?:async )?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/gm;

function filesUnder(folder: string, extensions: RegExp): string[] {
  return readdirSync(path.join(REPO, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => extensions.test(file) && !file.includes('node_modules'))
    .map((file) => path.join(folder, file));
}

function deadExports(sources: Map<string, string>, readers: Map<string, string>): string[] {
  const dead: string[] = [];
  for (const [file, text] of sources) {
    for (const [, name] of text.matchAll(EXPORTED_VALUE)) {
      const word = new RegExp(`\\b${name!.replace(/\$/g, '\\$')}\\b`);
      if (![...readers].some(([reader, other]) => reader !== file && word.test(other))) dead.push(`${file}: ${name}`);
    }
  }
  return dead;
}

it('every exported function, constant and class is used outside its module', () => {
  const read = (files: string[]) => new Map(files.map((file) => [file, readFileSync(path.join(REPO, file), 'utf8')]));
  const sources = read(SOURCES.flatMap((folder) => filesUnder(folder, /\.ts$/)));
  const readers = read(READERS.flatMap((folder) => filesUnder(folder, /\.(ts|js|mjs|cjs|md)$/)));
  expect(deadExports(sources, readers)).toEqual([]);
});

it('finds an export nobody reads', () => {
  const sources = new Map([['engine/a.ts', 'export function isUnknown() {}\nexport const USED = 1;\n']]);
  const readers = new Map([...sources, ['engine/b.ts', "import { USED } from './a.js';\n"]]);
  expect(deadExports(sources, readers)).toEqual(['engine/a.ts: isUnknown']);
});
