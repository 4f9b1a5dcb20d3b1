import { isRegistered, registerFunction, TYPE_ANY, TYPE_ARRAY, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_OBJECT, TYPE_STRING, type JSONValue } from '@jmespath-community/jmespath';
// the functions alone: all of semver takes 13 ms to load, these 7
import compare from 'semver/functions/compare.js';
import satisfies from 'semver/functions/satisfies.js';
import type { ArgumentType, ExpressionFunction } from '../step-family.js';
import { declaredFunction, declaredFunctionNames, declareExpressionFunctions } from './function-table.js';

/** The engine's own functions, which know no domain: every runbook may call them. */
const ENGINE_FUNCTIONS: readonly ExpressionFunction[] = [
  { name: 'semver_satisfies', parameters: ['string', 'string'], implementation: ([version, range]) => satisfies(String(version), String(range), { includePrerelease: true }) },
  { name: 'semver_compare', parameters: ['string', 'string'], implementation: ([a, b]) => compare(String(a), String(b)) },
];

const JMESPATH_TYPES: Record<ArgumentType, number> = {
  string: TYPE_STRING,
  number: TYPE_NUMBER,
  boolean: TYPE_BOOLEAN,
  array: TYPE_ARRAY,
  object: TYPE_OBJECT,
  any: TYPE_ANY,
};

const registered = new Set<string>();

/**
 * Hands JMESPath the engine's functions and those families declared since the last call, before
 * an expression compiles: validate's name check then knows them too. A name JMESPath itself
 * defines is refused.
 */
export function registerFunctions(): void {
  declareExpressionFunctions(ENGINE_FUNCTIONS, 'the engine');
  for (const name of declaredFunctionNames()) {
    if (registered.has(name)) continue;
    if (isRegistered(name)) throw new Error(`the expression function ${name}() is one of JMESPath's own`);
    registered.add(name);
    const { parameters } = declaredFunction(name)!;
    // looked up at each call: a plugin loaded again brings its implementation again
    registerFunction(name, (args) => declaredFunction(name)!.implementation(args) as JSONValue, parameters.map((type) => ({ types: [JMESPATH_TYPES[type]] })));
  }
}
