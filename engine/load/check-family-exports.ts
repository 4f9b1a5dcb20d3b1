import { isRegistered } from '@jmespath-community/jmespath';
import { declaredFunction } from '../expressions/function-table.js';
import { isJsonObject } from '../json.js';
import { StepContractError } from '../step-contract-error.js';
import type { ArgumentType, ExpressionFunction, SettingsBlock } from '../step-family.js';

const ARGUMENT_TYPES: readonly ArgumentType[] = ['string', 'number', 'boolean', 'array', 'object', 'any'];
const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * A plugin's `export const settings = [...]`, as a step family declares its blocks. A plugin
 * declares no command-line option: the command line is read before any runbook names a plugin;
 * a value that changes per run is a param the block reads (`zone: ${{ params.zone }}`).
 */
export function checkSettingsExport(exported: unknown, origin: string): SettingsBlock[] {
  if (exported === undefined) return [];
  if (!Array.isArray(exported)) throw new StepContractError(origin, '`settings` must be a list of settings blocks: [{ name, schema, markdown }]');
  return exported.map((block, index) => {
    const at = `settings[${index}]`;
    if (!isJsonObject(block) || typeof block.name !== 'string' || !NAME.test(block.name)) throw new StepContractError(origin, `${at} needs a "name" in lower case, such as "cloud"`);
    if (!isJsonObject(block.schema)) throw new StepContractError(origin, `${at} ("${block.name}") needs a "schema": the JSON Schema of the block`);
    if (block.options !== undefined) throw new StepContractError(origin, `${at} ("${block.name}") declares "options", which only a built-in family can: a plugin's block reads per-run values from params`);
    return { name: block.name, schema: block.schema, markdown: typeof block.markdown === 'string' ? block.markdown : '' };
  });
}

/** A plugin's `export const functions = [...]`, as a step family declares its expression functions. */
export function checkFunctionsExport(exported: unknown, origin: string): ExpressionFunction[] {
  if (exported === undefined) return [];
  if (!Array.isArray(exported)) throw new StepContractError(origin, '`functions` must be a list of expression functions: [{ name, parameters, implementation }]');
  return exported.map((fn: unknown, index) => {
    const at = `functions[${index}]`;
    const candidate = (fn ?? {}) as Partial<Record<keyof ExpressionFunction, unknown>>;
    if (typeof candidate.name !== 'string' || !NAME.test(candidate.name)) throw new StepContractError(origin, `${at} needs a "name" in lower case with underscores, such as "zone_number"`);
    if (isRegistered(candidate.name) && declaredFunction(candidate.name) === undefined) throw new StepContractError(origin, `${at}: ${candidate.name}() is one of JMESPath's own functions; choose another name`);
    const parameters = candidate.parameters;
    if (!Array.isArray(parameters) || !parameters.every((type) => (ARGUMENT_TYPES as readonly unknown[]).includes(type))) {
      throw new StepContractError(origin, `${at} (${candidate.name}) needs "parameters": a list of ${ARGUMENT_TYPES.join(', ')}`);
    }
    if (typeof candidate.implementation !== 'function') throw new StepContractError(origin, `${at} (${candidate.name}) needs an "implementation" function`);
    return { name: candidate.name, parameters: parameters as ArgumentType[], implementation: candidate.implementation as ExpressionFunction['implementation'] };
  });
}
