import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { JsonSchema, StepDefinition } from '../../engine/step-definition.js';
import { coreSteps } from '../../steps/core/catalog.js';

const coreDir = fileURLToPath(new URL('../../steps/core/', import.meta.url));

function strictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true, useDefaults: true });
  (addFormats as unknown as (instance: Ajv2020) => void)(ajv);
  return ajv;
}

async function definitionOf(type: keyof typeof coreSteps): Promise<StepDefinition<never>> {
  return (await coreSteps[type]()).default;
}

const types = Object.keys(coreSteps) as (keyof typeof coreSteps)[];

describe('core step catalog', () => {
  it('lists the core step types', () => {
    expect(types.sort()).toEqual(['approve', 'assert', 'background', 'manual', 'require-tool', 'runbook', 'set', 'shell', 'sleep']);
  });

  it.each(types)('loads %s, whose definition carries the same type name', async (type) => {
    const definition = await definitionOf(type);
    expect(definition.type).toBe(type);
    expect(definition.description.length).toBeGreaterThan(10);
    expect(typeof definition.run).toBe('function');
  });

  it.each(types)('gives %s a strict 2020-12 input schema with a description on every property', async (type) => {
    const schema = (await definitionOf(type)).input;
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    const properties = schema.properties as Record<string, JsonSchema>;
    for (const [name, property] of Object.entries(properties)) {
      expect(property.description, `${type}.${name}`).toEqual(expect.any(String));
    }
    expect(() => strictAjv().compile(schema)).not.toThrow();
  });

  it('does not import execa, listr2 or inquirer when a step module is loaded', async () => {
    const heavy = /^import\s(?!type\b)[^;]*from\s+'(execa|listr2|@listr2\/[^']*|@inquirer\/[^']*|inquirer)'/m;
    const sources = (await readdir(coreDir)).filter((file) => file.endsWith('.ts'));
    expect(sources.length).toBeGreaterThanOrEqual(8);
    for (const file of sources) {
      expect(await readFile(path.join(coreDir, file), 'utf8'), file).not.toMatch(heavy);
    }
  });
});

describe('core step input schemas', () => {
  const cases: [keyof typeof coreSteps, unknown, boolean][] = [
    ['shell', { command: ['aws', '--version'] }, true],
    ['shell', { command: 'aws --version', parse: 'json', effect: 'read', okExitCodes: [0, 2], env: { A: 'b' } }, true],
    ['shell', { command: [] }, false],
    ['shell', { command: '' }, false],
    ['shell', { command: ['ls'], parse: 'yaml' }, false],
    ['shell', { command: ['ls'], env: { A: 1 } }, false],
    ['shell', { command: ['ls'], okExitCodes: [256] }, false],
    ['shell', { command: ['ls'], comand: 'typo' }, false],
    ['assert', { that: null }, true],
    ['assert', { message: 'no that' }, false],
    ['approve', { message: 'Go?' }, true],
    ['approve', {}, false],
    ['manual', { instructions: '1. Do it.' }, true],
    ['set', { values: { a: 1 } }, true],
    ['set', { values: [1] }, false],
    ['sleep', { duration: '1h30m' }, true],
    ['sleep', { duration: '500ms' }, true],
    ['sleep', { duration: '10 minutes' }, false],
    ['sleep', { duration: 30 }, false],
    ['require-tool', { command: ['clojure', '-Sdescribe'], minVersion: '1.12.0.1530', pattern: ':version\\s+"([^"]+)"' }, true],
    ['require-tool', { command: ['aws', '--version'], minVersion: 'latest' }, false],
    ['require-tool', { command: ['aws', '--version'], pattern: '(' }, false],
  ];

  it.each(cases)('%s accepts %j: %s', async (type, input, valid) => {
    const validate = strictAjv().compile((await definitionOf(type)).input);
    expect(validate(input), JSON.stringify(validate.errors)).toBe(valid);
  });

  it('fills the shell defaults', async () => {
    const input: Record<string, unknown> = { command: ['ls'] };
    strictAjv().compile((await definitionOf('shell')).input)(input);
    expect(input).toEqual({ command: ['ls'], shell: false, parse: 'text', effect: 'write', okExitCodes: [0] });
  });
});
