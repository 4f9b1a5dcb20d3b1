import { didYouMean } from './did-you-mean.js';
import type { ExpressionProblem } from './expression-names.js';
import { isName, startsPath, tokensOf, type Token } from './locate-name.js';

/** What a step makes readable as `steps.<id>`: a list under forEach, else its outputs. */
export interface StepProducts {
  /** The names under `outputs:`; without it, the outputs are the step type's raw result. */
  outputs: string[] | undefined;
  forEach: boolean;
}

const STEP_FIELDS = ['outputs', 'status'];

/**
 * `steps.<id>.outputs.<name>` names an output the step declares, when it declares some: any
 * other name is always null, which an `if:` would silently read as false.
 */
export function checkOutputNames(expression: string, readable: ReadonlyMap<string, StepProducts>): ExpressionProblem[] {
  const tokens = tokensOf(expression);
  return tokens.flatMap((token, i) => {
    const step = isName(token, 'steps') && startsPath(tokens, i) ? fieldAfter(tokens, i) : undefined;
    const products = step && readable.get(String(step.value));
    return step && products ? checkStepPath(tokens, i + 2, String(step.value), products) : [];
  });
}

function checkStepPath(tokens: Token[], idIndex: number, id: string, products: StepProducts): ExpressionProblem[] {
  const field = fieldAfter(tokens, idIndex);
  if (!field) return [];
  const fieldName = String(field.value);
  if (!STEP_FIELDS.includes(fieldName)) {
    return [{ offset: field.start, rule: 'unknown-output', message: `a step has no field "${fieldName}"${didYouMean(fieldName, STEP_FIELDS) || `; read steps.${id}.outputs or steps.${id}.status`}` }];
  }
  const output = fieldName === 'outputs' ? fieldAfter(tokens, idIndex + 2) : undefined;
  if (!output) return [];
  const name = String(output.value);
  if (products.forEach) {
    return [{ offset: output.start, rule: 'unknown-output', message: `step "${id}" runs once per item, so its outputs are a list: read steps.${id}.outputs[].${name}` }];
  }
  if (products.outputs === undefined || products.outputs.includes(name)) return [];
  const declared = products.outputs.length > 0 ? `; its outputs: ${products.outputs.join(', ')}` : '; its outputs: mapping is empty';
  const hint = didYouMean(name, products.outputs) || declared;
  return [{ offset: output.start, rule: 'unknown-output', message: `step "${id}" has no output "${name}"${hint}` }];
}

/** The name in `<token> . <name>`, if that is what follows the token at `i`. */
function fieldAfter(tokens: Token[], i: number): Token | undefined {
  const name = tokens[i + 2];
  return tokens[i + 1]?.type === 'Dot' && isName(name) ? name : undefined;
}
