import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { importSpecifiers, readPluginImports } from '../../engine/load/plugin-imports.js';

describe('the specifiers a module names', () => {
  it.each([
    ["import a from './a.js';", ['./a.js']],
    ["import './side-effect.js'", ['./side-effect.js']],
    ['import * as all from "./all.mjs"', ['./all.mjs']],
    ["import a, { b as c, 'd-e' as f } from './g.js'", ['./g.js']],
    ["import {\n  from,\n  x, // a comment\n} /* another */ from\n  './from.js'", ['./from.js']],
    ["import data from './data.json' with { type: 'json' };", ['./data.json']],
    ["export * from './star.js';\nexport * as ns from './ns.js'", ['./star.js', './ns.js']],
    ["export { a, b as c } from './re.js'", ['./re.js']],
    ["const a = 1;\nexport { a };\nexport default a;\nexport const b = 2;", []],
    ["export { a } // it is ours\nimport b from './b.js'", ['./b.js']],
    ["const url = import.meta.url;\nobject.import('x');", []],
    ["import { readFile } from 'node:fs/promises';\nimport path from 'path';", ['node:fs/promises', 'path']],
  ])('reads %j', (text, specifiers) => {
    expect(importSpecifiers(text)).toEqual(specifiers);
  });

  it.each([
    ["const m = await import('./m.js');"],
    ['const m = await import (name);'],
    ["const all = { ...import('./m.js') };"],
    ['// import the rest of the settings here'],
    ["import a from `./a.js`"],
    ["import a from './a\\u002ejs'"],
    ["export { a } /* then */ from `./a.js`"],
  ])('cannot tell what %j loads', (text) => {
    expect(importSpecifiers(text)).toBeUndefined();
  });
});

describe('the files a JavaScript plugin loads, read from its imports', () => {
  const folders: string[] = [];
  afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

  function pluginFolder(files: Record<string, string>): string {
    const folder = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'stepwise-plugin-imports-')));
    folders.push(folder);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
      writeFileSync(path.join(folder, name), text);
    }
    return folder;
  }

  it('follows relative, absolute and file: URL specifiers from file to file, by their real paths, but not into node_modules', () => {
    const folder = pluginFolder({
      'lib/real.js': "export * from '../node_modules/words/index.js';\n",
      'lib/words.json': '{ "import": "nothing" }\n',
      'node_modules/words/index.js': "export { word } from 'words-core';\n",
    });
    symlinkSync(path.join(folder, 'lib/real.js'), path.join(folder, 'lib/linked.js'));
    writeFileSync(path.join(folder, 'lib/absolute.js'), `import { word } from ${JSON.stringify(pathToFileURL(path.join(folder, 'lib/linked.js')).href)};\nexport const absolute = word;\n`);
    writeFileSync(
      path.join(folder, 'team-steps.js'),
      `import path from 'node:path';\nimport { absolute } from ${JSON.stringify(path.join(folder, 'lib/absolute.js'))};\nimport words from './lib/words.json' with { type: 'json' };\nexport default [];\n`,
    );
    expect(readPluginImports(path.join(folder, 'team-steps.js'))?.sort()).toEqual(
      ['team-steps.js', 'lib/absolute.js', 'lib/real.js', 'lib/words.json', 'node_modules/words/index.js'].map((name) => path.join(folder, name)).sort(),
    );
  });

  it.each([
    ['imports stepwise, which only the loader hook resolves', { 'team-steps.js': "import { defineStep } from 'stepwise';\n" }],
    ['imports a package, which may be its own', { 'team-steps.js': "import { word } from 'team-words';\n" }],
    ['imports a # subpath, which its package.json maps to its own files', { 'team-steps.js': "import { word } from '#words';\n" }],
    ['imports TypeScript', { 'team-steps.js': "export * from './lib/words.ts';\n", 'lib/words.ts': "export const word: string = 'w';\n" }],
    ['imports a computed name further down', { 'team-steps.js': "import './lib/load.js';\n", 'lib/load.js': "await import(['.', 'words.js'].join('/'));\n" }],
    ['imports a file that is not there', { 'team-steps.js': "import './lib/missing.js';\n" }],
    ['imports a file neither JavaScript nor JSON', { 'team-steps.js': "import './lib/words.wasm';\n", 'lib/words.wasm': '' }],
    // what require loads may import ES modules that require's cache never holds
    ['requires, in a file it imports', { 'team-steps.js': "import './lib/bridge.cjs';\n", 'lib/bridge.cjs': "module.exports = require('./inner.mjs');\n", 'lib/inner.mjs': "export * from './deep.mjs';\n" }],
    ['makes a require function', { 'team-steps.js': "import { createRequire } from 'node:module';\nconst load = createRequire(import.meta.url);\n" }],
  ])('says only the hook can tell for a plugin that %s', (_what, files) => {
    const folder = pluginFolder(files);
    expect(readPluginImports(path.join(folder, 'team-steps.js'))).toBeUndefined();
  });
});
