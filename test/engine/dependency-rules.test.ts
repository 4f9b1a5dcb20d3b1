/**
 * The layers hold in CI: no import cycle, engine/ meets steps/, state/ and aws/ only in its
 * composition root, and nothing below the command line imports it (.dependency-cruiser.cjs).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(REPO, 'test/fixtures/dependency-rules');
const config = createRequire(import.meta.url)(path.join(REPO, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: Record<string, unknown> };

async function violations(baseDir: string, folders: string[]): Promise<string[]> {
  const { output } = await cruise(folders, { ...config.options, baseDir, validate: true, ruleSet: { forbidden: config.forbidden } } as never);
  if (typeof output === 'string') throw new Error(output);
  return output.summary.violations.map((violation: IViolation) => `${violation.rule.name}: ${[violation.from, ...(violation.cycle?.map((hop) => hop.name) ?? [violation.to])].join(' → ')}`);
}

describe('dependency rules', () => {
  it('engine/, steps/, state/ and aws/ have no import cycle and keep their direction', async () => {
    const cruised = await violations(REPO, ['engine', 'steps', 'state', 'aws']);
    expect(cruised).toEqual([]);
  }, 60_000);

  it('the rules catch a cycle, a type-only import of steps/ from engine/ and a step family reading the CLI', async () => {
    const found = await violations(FIXTURE, ['engine', 'steps']);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^no-circular: engine\/(first|second)\.ts → engine\/(first|second)\.ts → engine\/(first|second)\.ts$/),
      'engine-knows-no-domain: engine/second.ts → steps/family.ts',
      'no-cli-below: steps/family.ts → engine/cli/cli-options.ts',
    ]));
  }, 60_000);
});
