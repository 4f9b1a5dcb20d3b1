import { readFileSync } from 'node:fs';
import path from 'node:path';
import { registerSchema, validate, type OutputUnit } from '@hyperjump/json-schema/draft-2020-12';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtInRegistry } from '../../engine/cli/builtins.js';
import { SCHEMA_FILE, shippedRunbooks } from '../../engine/document/generated-files.js';
import type { JsonSchema } from '../../engine/step-definition.js';
import { REPO } from '../support/cli.js';

/*
 * Editors do not run ajv: the committed schema is checked here with another implementation,
 * @hyperjump/json-schema, the way a YAML language server would read it.
 */

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
const schema = JSON.parse(readFileSync(path.join(REPO, SCHEMA_FILE), 'utf8')) as JsonSchema & { $id: string };

beforeAll(() => {
  registerSchema(schema as never);
});

/** Each failure as `<instance location> <schema keyword location>`, the keyword's path without the schema's $id. */
async function problemsOf(runbook: unknown): Promise<string[]> {
  const output = await validate(schema.$id, runbook as never, 'BASIC');
  if (output.valid) return [];
  return (output.errors ?? []).map((unit: OutputUnit) => `${unit.instanceLocation} ${unit.absoluteKeywordLocation.replace(schema.$id, '').replace(/allOf\/\d+/, 'allOf/N')}`);
}

const base = { apiVersion: 'stepwise/v1', name: 'probe', version: '1.0.0' };

describe('the editor schema, read by an independent validator', () => {
  it('is a valid draft 2020-12 schema (and the meta-schema check does refuse a broken one)', async () => {
    expect((await validate(DRAFT_2020_12, schema as never)).valid).toBe(true);
    expect((await validate(DRAFT_2020_12, { type: 'objekt' })).valid).toBe(false);
  });

  it.each(shippedRunbooks(REPO))('accepts the shipped runbook %s', async (relative) => {
    const runbook = parse(readFileSync(path.join(REPO, relative), 'utf8')) as unknown;
    expect(await problemsOf(runbook)).toEqual([]);
  });

  it('rejects a shell step whose `with` is wrong for shell, at that step\'s `with`', async () => {
    const problems = await problemsOf({ ...base, steps: [{ id: 'list', type: 'shell', with: { comand: ['ls'] } }] });
    expect(problems).toEqual([
      '#/steps/0/with/comand #/properties/steps/items/allOf/N/then/properties/with/additionalProperties',
      '#/steps/0/with #/properties/steps/items/allOf/N/then/properties/with/required',
    ]);
  });

  it('rejects a step with a key steps do not have', async () => {
    const problems = await problemsOf({ ...base, steps: [{ id: 'list', type: 'shell', with: { command: ['ls'] }, retries: 3 }] });
    expect(problems).toEqual(['#/steps/0/retries #/properties/steps/items/additionalProperties']);
  });

  it('rejects a step that leaves out the `with` its type requires, and a wrongly typed input', async () => {
    expect(await problemsOf({ ...base, steps: [{ id: 'edit', type: 'edn.ensure' }] })).toEqual(['#/steps/0 #/properties/steps/items/allOf/N/then/required']);
    expect(await problemsOf({ ...base, steps: [{ id: 'nap', type: 'sleep', with: { duration: 'a while' } }] })).not.toEqual([]);
    expect(await problemsOf({ ...base, steps: [{ id: 'list', type: 'shell', with: { command: ['ls'], effect: 'delete' } }] })).not.toEqual([]);
  });

  it('accepts an expression wherever validate does, and any input for a plugin\'s step type', async () => {
    const steps = [
      { id: 'list', type: 'shell', with: { command: ['ls'], okExitCodes: '${{ params.codes }}', effect: '${{ params.effect }}' } },
      { id: 'nap', type: 'sleep', with: { duration: '${{ params.pause }}' } },
      { id: 'mine', type: 'team.deploy', with: { anything: [1, 2] } },
    ];
    expect(await problemsOf({ ...base, plugins: ['./team.js'], steps })).toEqual([]);
  });

  it('covers every built-in step type: completion of `type`, a `with` schema, hover text and a snippet', async () => {
    const registry = builtInRegistry();
    const items = (schema.properties as Record<string, JsonSchema>).steps!.items as JsonSchema;
    const typeChoices = ((items.properties as Record<string, JsonSchema>).type!.anyOf as JsonSchema[]).map((choice) => choice.const).filter(Boolean);
    const conditions = (items.allOf as JsonSchema[]).map((rule) => ({
      type: ((rule.if as JsonSchema).properties as Record<string, JsonSchema>).type!.const,
      input: ((rule.then as JsonSchema).properties as Record<string, JsonSchema>).with!,
    }));
    const snippets = (items.defaultSnippets as { body: { type: string } }[]).map((snippet) => snippet.body.type);
    expect(typeChoices).toEqual(registry.types());
    expect(conditions.map((condition) => condition.type)).toEqual(registry.types());
    expect(snippets).toEqual(registry.types());
    for (const { type, input } of conditions) {
      expect(input.markdownDescription, type as string).toMatch(new RegExp(`^\\*\\*${String(type).replace(/\./g, '\\.')}\\*\\*`));
      for (const [name, property] of Object.entries((input.properties ?? {}) as Record<string, JsonSchema>)) {
        expect(property.description, `${String(type)} input ${name}`).toEqual(expect.any(String));
      }
    }
  });

  it('describes every key of the document, its params and its steps', () => {
    const properties = schema.properties as Record<string, JsonSchema>;
    const undescribed = (owner: string, fields: Record<string, JsonSchema>) => Object.entries(fields).filter(([, field]) => typeof field.description !== 'string').map(([name]) => `${owner}.${name}`);
    const param = (properties.params!.additionalProperties as JsonSchema).properties as Record<string, JsonSchema>;
    const step = (properties.steps!.items as JsonSchema).properties as Record<string, JsonSchema>;
    expect([...undescribed('runbook', properties), ...undescribed('param', param), ...undescribed('step', step)]).toEqual([]);
  });
});
