import { tokenize } from '@jmespath-community/jmespath';

/** What an expression names: a scope root, `steps.<id>`, `params.<name>` or a function. */
export type NameKind = 'root' | 'step' | 'param' | 'function';

export interface Token {
  type: string;
  value: unknown;
  start: number;
}

const PREFIX: Record<'step' | 'param', string> = { step: 'steps', param: 'params' };

/** The tokens of an expression that has compiled, so it splits into tokens. */
export function tokensOf(expression: string): Token[] {
  return tokenize(expression) as Token[];
}

/** Where a name is written inside an expression, so that a message points at the name itself. */
export function offsetOfName(expression: string, kind: NameKind, name: string): number {
  const tokens = tokensOf(expression);
  const found = tokens.findIndex((token, i) => isName(token, name) && fits(tokens, i, kind));
  return tokens[found]?.start ?? 0;
}

function fits(tokens: Token[], i: number, kind: NameKind): boolean {
  if (kind === 'function') return tokens[i + 1]?.type === 'Lparen';
  if (kind === 'root') return startsPath(tokens, i);
  return tokens[i - 1]?.type === 'Dot' && isName(tokens[i - 2], PREFIX[kind]);
}

/** A name read from the scope itself: not a field of something before it, unless that is `$`. */
export function startsPath(tokens: Token[], i: number): boolean {
  return tokens[i - 1]?.type !== 'Dot' || tokens[i - 2]?.type === 'Root';
}

export function isName(token: Token | undefined, name?: string): boolean {
  const identifier = token?.type === 'UnquotedIdentifier' || token?.type === 'QuotedIdentifier';
  return identifier && (name === undefined || token.value === name);
}

/** `"prod"` starting a path: meant as text, it reads a field of the scope. */
export function isQuotedName(expression: string, name: string): boolean {
  const tokens = tokensOf(expression);
  return tokens.some((token, i) => token.type === 'QuotedIdentifier' && token.value === name && startsPath(tokens, i));
}
