/**
 * The unit project (`npm run test:unit`) stays quick only while its files run in the test
 * process alone: this refuses a unit test that reaches for a process, the CLI or moto.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UNIT_TESTS } from '../vitest.config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What starts a process or needs a server, as a test file or its test-side helpers import it. */
const OUT_OF_PROCESS = [
  /^node:child_process$/,
  /^node:worker_threads$/,
  /^execa$/,
  /\/support\/(cli|terminal|terminal-session|moto|moto-env|fault-proxy|seed-datomic)\.js$/,
  /(?:^|\/)steps\/core\/(shell|background|require-tool)\.js$/,
  /(?:^|\/)steps\/datomic\/administer-system\.js$/,
];

/** A vitest glob as a regular expression over paths relative to the repository. */
function globPattern(glob: string): RegExp {
  const body = glob
    .split('**/')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${body}$`);
}

function testFiles(): string[] {
  return readdirSync(path.join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `test/${name.split(path.sep).join('/')}`);
}

/** The modules a file imports, followed through the test folder's own helpers. */
function importsOf(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const found: string[] = [];
  for (const [, specifier] of readFileSync(path.join(ROOT, file), 'utf8').matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
    const resolved = specifier!.startsWith('.') ? path.posix.join(path.posix.dirname(file), specifier!) : specifier!;
    found.push(resolved);
    const helper = resolved.replace(/\.js$/, '.ts');
    // a specifier inside a string the test works on (a fixture's source) names no file here
    if (resolved.startsWith('test/') && resolved.endsWith('.js') && existsSync(path.join(ROOT, helper))) found.push(...importsOf(helper, seen));
  }
  return found;
}

const unitFiles = testFiles().filter((file) => UNIT_TESTS.some((glob) => globPattern(glob).test(file)));

describe('the unit project', () => {
  it('holds the engine tests and more', () => {
    expect(unitFiles).toContain('test/engine/execute.test.ts');
    expect(unitFiles).toContain('test/unit-project.test.ts');
    expect(unitFiles).not.toContain('test/golden-errors.test.ts');
  });

  it.each(unitFiles)('%s starts no process and needs no moto', (file) => {
    const outOfProcess = importsOf(file).filter((specifier) => OUT_OF_PROCESS.some((pattern) => pattern.test(specifier)));
    expect(outOfProcess, `${file} belongs in the integration project (vitest.config.ts)`).toEqual([]);
  });
});
