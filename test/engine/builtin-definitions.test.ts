import { describe, expect, it } from 'vitest';
import { checkDefinition } from '../../engine/check-definition.js';
import { StepContractError } from '../../engine/step-contract-error.js';
import { builtInRegistry } from '../../engine/cli/builtins.js';
import { builtInSteps } from '../../steps/catalog.js';

// The built-in registry skips the meta-schema check of input schemas at start-up: this is that check.
describe('the built-in step types', () => {
  it.each(Object.keys(builtInSteps))('%s keeps the whole step contract, its input schema included', async (type) => {
    const definition = checkDefinition((await builtInSteps[type]!()).default, `built-in ${type}`);
    expect(definition.type).toBe(type);
  });

  it('would be refused with a broken input schema if the check ran', () => {
    const broken = { type: 'team.broken', description: 'x', effect: 'read', input: { type: 'no-such-type' }, run: async () => ({}) };
    expect(() => checkDefinition(broken, 'plugin.js')).toThrow(StepContractError);
    expect(() => checkDefinition(broken, 'plugin.js', { checkSchema: false })).not.toThrow();
  });

  it('are each loaded once by the registry, under their own type', async () => {
    const registry = builtInRegistry();
    for (const type of Object.keys(builtInSteps)) expect((await registry.load(type)).type).toBe(type);
  });
});
