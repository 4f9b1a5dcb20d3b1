import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';

/**
 * The README's commands are what a new operator types first: each `stepwise plan|run` of a
 * shipped runbook gives every parameter the runbook requires, and each `npm run` it names exists.
 */

const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
const codeBlocks = [...readme.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)].map((match) => match[1]!);
const commandLines = codeBlocks.flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n')).map((line) => line.trim());

interface ParamSpec {
  default?: unknown;
  required?: boolean;
}

function requiredParams(runbook: string): string[] {
  const { params } = parse(readFileSync(path.join(REPO, runbook), 'utf8')) as { params?: Record<string, ParamSpec> };
  return Object.entries(params ?? {})
    .filter(([, spec]) => spec.default === undefined && spec.required !== false)
    .map(([name]) => name);
}

const runbookCommands = commandLines.flatMap((line) => {
  const match = /^(?:npx )?stepwise (?:plan|run)\s+(runbooks\/\S+\.yaml)(.*)$/.exec(line);
  return match ? [{ line, runbook: match[1]!, given: [...match[2]!.matchAll(/-p '?(\w+)=/g)].map((param) => param[1]!) }] : [];
});

describe('the README\'s commands', () => {
  it('run the shipped runbooks with every parameter they require', () => {
    expect(runbookCommands.map((command) => command.runbook)).toContain('runbooks/datomic/convert-solo-to-production.yaml');
    const missing = runbookCommands.flatMap(({ line, runbook, given }) => requiredParams(runbook).filter((name) => !given.includes(name)).map((name) => `${line}: no -p ${name}=...`));
    expect(missing).toEqual([]);
  });

  it('name only npm scripts that package.json has', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const named = [...readme.matchAll(/npm run (\w+)/g)].map((match) => match[1]!);
    expect(named).toContain('sandbox');
    expect(named.filter((name) => !(name in scripts))).toEqual([]);
  });
});
