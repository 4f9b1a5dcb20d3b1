/**
 * The build compiles the built-in schemas ahead of time (scripts/precompile-validators.js);
 * the built engine in dist/ must pick those validators up and behave as a runtime compile does.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../engine/step-definition.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const built = (await import(path.join(root, 'dist/engine/validate/ajv.js'))) as {
  compileSchema(schema: JsonSchema, options?: { useDefaults?: boolean }): Validate;
  schemaDocumentErrors(schema: JsonSchema): string | undefined;
};
const precompiled = createRequire(import.meta.url)(path.join(root, 'dist/engine/validate/precompiled-validators.cjs')) as Record<string, Validate>;
const { default: shell } = (await import(path.join(root, 'dist/steps/core/shell.js'))) as { default: { input: JsonSchema } };

describe('the precompiled validators', () => {
  it('stand in for a built-in step schema in both modes', () => {
    expect(built.compileSchema(shell.input)).toBe(precompiled.step_shell);
    expect(built.compileSchema(shell.input, { useDefaults: true })).toBe(precompiled.step_shell_withDefaults);
  });

  it('leave a document as written when validating, and fill in the defaults of a step input at run time', () => {
    const asWritten = { command: ['true'] };
    expect(built.compileSchema(shell.input)(asWritten)).toBe(true);
    expect(asWritten).toEqual({ command: ['true'] });
    const atRunTime = { command: ['true'] };
    expect(built.compileSchema(shell.input, { useDefaults: true })(atRunTime)).toBe(true);
    expect(atRunTime).toMatchObject({ command: ['true'], parse: 'text', effect: 'write' });
  });

  it('give way to a runtime compile for a schema that is not one of them', () => {
    const edited = { ...shell.input, required: ['command', 'cwd'] };
    const validate = built.compileSchema(edited);
    expect(validate).not.toBe(precompiled.step_shell);
    expect(validate({ command: ['true'] })).toBe(false);
  });

  it('check a plugin schema against the JSON Schema meta-schema, naming what is wrong', () => {
    expect(built.schemaDocumentErrors({ type: 'object', properties: { name: { type: 'string' } } })).toBeUndefined();
    expect(built.schemaDocumentErrors({ type: 'object', properties: { name: { type: 'text' } } })).toMatch(/properties\/name\/type must be equal to one of the allowed values/);
  });
});
