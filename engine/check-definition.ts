import type { JsonSchema, StepDefinition } from './step-definition.js';
import { StepContractError } from './step-contract-error.js';
import { compileSchema, schemaDocumentErrors } from './validate/ajv.js';

const EFFECTS = ['read', 'write', 'interactive'];

/**
 * A plugin is plain JavaScript: check every part of the contract before trusting it.
 * `checkSchema: false` skips the input schema's check for a definition whose schema is known good.
 */
export function checkDefinition(candidate: unknown, origin: string, { checkSchema = true } = {}): StepDefinition {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new StepContractError(origin, `exports ${describe(candidate)}, not a step definition ({ type, description, effect, input, run })`);
  }
  const definition = candidate as Partial<StepDefinition> & Record<string, unknown>;
  const name = typeof definition.type === 'string' ? `step type "${definition.type}"` : 'a step definition';
  const stepType = typeof definition.type === 'string' ? definition.type : undefined;
  if (typeof definition.type !== 'string' || !/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(definition.type)) {
    throw new StepContractError(origin, `${name} needs a "type" of lower-case words joined by dots, such as "team.deploy"`, stepType);
  }
  if (typeof definition.description !== 'string') throw new StepContractError(origin, `${name} needs a "description" string`, stepType, 'description');
  if (typeof definition.effect !== 'function' && !EFFECTS.includes(definition.effect as string)) {
    throw new StepContractError(origin, `${name} has effect ${JSON.stringify(definition.effect)}; allowed: read, write, interactive`, stepType, 'effect');
  }
  if (typeof definition.run !== 'function') throw new StepContractError(origin, `${name} needs a "run" function`, stepType, 'run');
  for (const optional of ['check', 'plan', 'resolveInput', 'checkInput', 'includes', 'discardKept', 'describeKept'] as const) {
    if (definition[optional] !== undefined && typeof definition[optional] !== 'function') {
      throw new StepContractError(origin, `${name} needs "${optional}" to be a function, not ${describeValue(definition[optional])}`, stepType, optional);
    }
  }
  checkBasis(definition.basis, name, origin, stepType);
  for (const flag of ['idempotent', 'lastsForTheRun'] as const) {
    if (definition[flag] !== undefined && typeof definition[flag] !== 'boolean') {
      throw new StepContractError(origin, `${name} has an "${flag}" that is not true or false`, stepType, flag);
    }
  }
  checkInputSchema(definition.input, name, origin, checkSchema, stepType);
  return definition as StepDefinition;
}

/** `basis`: what a write step's plan was made against, `{ take, differences? }`. */
function checkBasis(basis: unknown, name: string, origin: string, stepType: string | undefined): void {
  if (basis === undefined) return;
  const candidate = basis as { take?: unknown; differences?: unknown };
  if (typeof basis !== 'object' || basis === null || Array.isArray(basis) || typeof candidate.take !== 'function') {
    throw new StepContractError(origin, `${name} needs "basis" to be { take(ctx, input), differences?(recorded, now, input) }, not ${describeValue(basis)}`, stepType, 'basis');
  }
  if (candidate.differences !== undefined && typeof candidate.differences !== 'function') {
    throw new StepContractError(origin, `${name} needs "basis.differences" to be a function, not ${describeValue(candidate.differences)}`, stepType, 'basis');
  }
}

function checkInputSchema(schema: unknown, name: string, origin: string, againstMetaSchema: boolean, stepType: string | undefined): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new StepContractError(origin, `${name} needs an "input" JSON Schema object`, stepType, 'input');
  }
  if (!againstMetaSchema) return;
  const errors = schemaDocumentErrors(schema as JsonSchema);
  if (errors) throw new StepContractError(origin, `${name} has an invalid input schema: ${errors}`, stepType, 'input');
  try {
    compileSchema(schema as JsonSchema);
  } catch (error) {
    throw new StepContractError(origin, `${name} has an invalid input schema: ${(error as Error).message}`, stepType, 'input');
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing as its default export';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'function' ? 'a function' : `a ${typeof value}`;
}
