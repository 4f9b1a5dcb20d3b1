/**
 * engine/ knows no domain: no file of it names AWS or Datomic, but the composition root that
 * puts the built-in step families together (engine/cli/builtins.ts). The import rules
 * (dependency-rules.test.ts) hold what it loads; this holds what it says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENGINE = fileURLToPath(new URL('../../engine/', import.meta.url));
const COMPOSITION_ROOT = 'cli/builtins.ts';
// bounded by what is not a letter: `datomic_version_at_least` and `AWS::` count, `draws` does not
const DOMAIN = /(?<![a-z])(aws|datomic)(?![a-z])/gi;

function engineSources(): string[] {
  return readdirSync(ENGINE, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
}

/** Each `file:line: word` where a source names the domain. */
function domainNames(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, index) => [...line.matchAll(DOMAIN)].map((match) => `${file}:${index + 1}: ${match[0]}`));
}

describe('engine/', () => {
  it('names neither AWS nor Datomic outside its composition root', () => {
    const named = engineSources()
      .filter((file) => file.split(path.sep).join('/') !== COMPOSITION_ROOT)
      .flatMap((file) => domainNames(file, readFileSync(path.join(ENGINE, file), 'utf8')));
    expect(named).toEqual([]);
  });

  it('would see a name of the domain, in code or a comment', () => {
    expect(domainNames('x.ts', "const a = 1;\n// reads the aws: block, draws nothing\nimport { x } from '../steps/datomic/y.js';\ndatomic_version_at_least(v)")).toEqual(['x.ts:2: aws', 'x.ts:3: datomic', 'x.ts:4: datomic']);
  });
});
