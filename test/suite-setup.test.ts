/**
 * How the suite is put together: `npm test` type-checks the tests as well as the sources, and
 * the CLI tests share one harness that never builds; the integration project builds once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceNewerThan } from './support/dist-freshness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const testFiles = () =>
  readdirSync(path.join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `test/${name.split(path.sep).join('/')}`);

describe('npm test', () => {
  it('type-checks every test file before it runs them, so that a type error in a test fails CI', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.pretest).toContain('npm run typecheck');
    expect(scripts.typecheck).toBe('tsc -p tsconfig.test.json');
    const config = JSON.parse(read('tsconfig.test.json')) as { compilerOptions: { noEmit?: boolean }; include: string[] };
    expect(config.compilerOptions.noEmit).toBe(true);
    expect(config.include).toContain('test/**/*.ts');
  });
});

describe('the CLI tests', () => {
  it('share one harness, test/support/cli.ts', () => {
    expect(testFiles().filter((file) => file.endsWith('/cli.ts'))).toEqual(['test/support/cli.ts']);
  });

  it('never build: the integration project does, once, before any test', () => {
    const building = testFiles().filter((file) => file !== 'test/support/dist-global-setup.ts' && /\['run', 'build'\]/.test(read(file)));
    expect(building).toEqual([]);
    expect(read('vitest.config.ts')).toContain("'test/support/dist-global-setup.ts'");
  });

  it('find dist/ stale when a source changed after the build, and fresh otherwise', () => {
    expect(sourceNewerThan(0)).toMatch(/^(engine|steps|state|test\/support|runbooks|scripts)\//);
    expect(sourceNewerThan(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
