/**
 * docs/errors.md lists every rule a diagnostic may name, no other, and each bad example in it
 * yields its rule when validated: the page an author is sent to by `[rule]` stays true.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtInRegistry } from '../engine/cli/builtins.js';
import { RULES } from '../engine/validate/diagnostic.js';
import { validateRunbookFile } from '../engine/validate/validate-runbook.js';

const DOC = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
/** A rule whose example needs past runs, not one file: test/authoring/versions.test.ts shows it. */
const NEEDS_PAST_RUNS = ['unchanged-version'];

interface Example {
  /** The files of the example, the runbook to validate first. */
  files: { name: string; text: string }[];
  /** The text blocks: what the CLI prints. */
  printed: string[];
}

/** Each `## rule` section of the page, with its code blocks; ```yaml file=NAME names a block's file. */
function documentedRules(): Map<string, Example> {
  const sections = readFileSync(DOC, 'utf8').split(/^## /m).slice(1);
  return new Map(
    sections.map((section) => {
      const rule = section.slice(0, section.indexOf('\n')).trim();
      const example: Example = { files: [], printed: [] };
      for (const [, language, name, text] of section.matchAll(/^```(\w+)(?: file=(\S+))?\n([\s\S]*?)^```$/gm)) {
        if (language === 'text') example.printed.push(text!);
        else example.files.push({ name: name ?? 'runbook.yaml', text: text! });
      }
      return [rule, example];
    }),
  );
}

const documented = documentedRules();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'stepwise-errors-doc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docs/errors.md', () => {
  it('lists every rule of the code, and only those', () => {
    expect([...documented.keys()].sort()).toEqual([...RULES].sort());
  });

  it.each(RULES.filter((rule) => !NEEDS_PAST_RUNS.includes(rule)))('the bad example of %s yields it when validated', async (rule) => {
    const example = documented.get(rule);
    expect(example?.files.length, `docs/errors.md has no example for ${rule}`).toBeGreaterThan(0);
    const folder = path.join(scratch, rule);
    mkdirSync(folder);
    for (const file of example!.files) writeFileSync(path.join(folder, file.name), file.text);
    const validation = await validateRunbookFile(path.join(folder, example!.files[0]!.name), builtInRegistry());
    expect(validation.diagnostics.map((d) => d.rule)).toContain(rule);
  });

  it.each(NEEDS_PAST_RUNS)('shows what %s prints', (rule) => {
    expect(documented.get(rule)?.printed.join('')).toContain(`[${rule}]`);
  });
});
