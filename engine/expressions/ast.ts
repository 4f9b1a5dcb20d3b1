import type { compile } from '@jmespath-community/jmespath';

/** The library builds this tree but does not export its type. */
export type ExpressionNode = ReturnType<typeof compile>;
