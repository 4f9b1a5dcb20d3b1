import { StepContractError } from '../step-contract-error.js';
import type { ExpressionFunction } from '../step-family.js';

/**
 * The functions families and plugins declared, by name. Kept apart from JMESPath, which takes
 * them when the first expression compiles (engine/expressions/functions.ts): `--help` loads neither.
 */
const declared = new Map<string, { fn: ExpressionFunction; owner: string }>();

/**
 * `owner` is who declares them (a family, a plugin file): a plugin loaded again declares its
 * functions again. A name two owners declare is refused: a runbook's meaning may not depend on
 * which came first.
 */
export function declareExpressionFunctions(functions: readonly ExpressionFunction[], owner: string, origin = owner): void {
  for (const fn of functions) {
    const known = declared.get(fn.name);
    if (known && known.owner !== owner) throw new StepContractError(origin, `the expression function ${fn.name}() is already declared by ${known.owner}`);
    declared.set(fn.name, { fn, owner });
  }
}

export function declaredFunctionNames(): IterableIterator<string> {
  return declared.keys();
}

/** The implementation declared last under `name`. */
export function declaredFunction(name: string): ExpressionFunction | undefined {
  return declared.get(name)?.fn;
}
