import type { ExpressionFunction } from '../step-family.js';

/**
 * The functions families declared, by name. Kept apart from JMESPath, which takes them when the
 * first expression compiles (engine/expressions/functions.ts): `--help` loads neither.
 */
const declared = new Map<string, ExpressionFunction>();

/** A name declared twice with two meanings is refused: a runbook's meaning may not depend on which family came first. */
export function declareExpressionFunctions(functions: readonly ExpressionFunction[]): void {
  for (const fn of functions) {
    const known = declared.get(fn.name);
    if (known === fn) continue;
    if (known) throw new Error(`the expression function ${fn.name}() is declared twice`);
    declared.set(fn.name, fn);
  }
}

export function declaredExpressionFunctions(): IterableIterator<ExpressionFunction> {
  return declared.values();
}
