import type { ExpressionNode } from './ast.js';

/** What an expression reads from the evaluation scope: `steps.<id>`, `params.<name>`, ... */
export interface References {
  steps: Set<string>;
  params: Set<string>;
  roots: Set<string>;
  functions: Set<string>;
}

/** The names an expression may start with. */
export const SCOPE_ROOTS = ['params', 'steps', 'env', 'run', 'item'] as const;

export function findReferences(ast: ExpressionNode): References {
  const found: References = { steps: new Set(), params: new Set(), roots: new Set(), functions: new Set() };
  visit(ast, true, found);
  return found;
}

/**
 * Only fields read against the scope itself count: inside a projection or after a pipe the
 * current value is an element or an intermediate result, not the scope.
 */
function visit(node: ExpressionNode, atRoot: boolean, found: References): void {
  switch (node.type) {
    case 'Field':
      if (atRoot) found.roots.add(node.name);
      return;
    case 'Subexpression':
    case 'IndexExpression':
      visitPath(node, atRoot, found);
      return;
    case 'Projection':
    case 'ValueProjection':
    case 'Pipe':
      visit(node.left, atRoot, found);
      visit(node.right, false, found);
      return;
    case 'FilterProjection':
      visit(node.left, atRoot, found);
      visit(node.right, false, found);
      visit(node.condition, false, found);
      return;
    case 'Function':
      found.functions.add(node.name);
      for (const child of node.children) visit(child, atRoot, found);
      return;
    case 'ExpressionReference':
      visit(node.child, false, found);
      return;
    default:
      for (const child of children(node)) visit(child, atRoot, found);
  }
}

function visitPath(node: ExpressionNode, atRoot: boolean, found: References): void {
  let [head, ...rest] = flattenPath(node);
  let rooted = atRoot;
  if (head?.type === 'Root') {
    rooted = true;
    [head, ...rest] = rest;
  }
  if (head?.type === 'Field' && rooted) {
    found.roots.add(head.name);
    const next = rest[0];
    if (next?.type === 'Field' && head.name === 'steps') found.steps.add(next.name);
    if (next?.type === 'Field' && head.name === 'params') found.params.add(next.name);
  } else if (head) {
    visit(head, atRoot, found);
  }
  for (const later of rest) visit(later, false, found);
}

function flattenPath(node: ExpressionNode): ExpressionNode[] {
  if (node.type === 'Subexpression' || node.type === 'IndexExpression') return [...flattenPath(node.left), node.right];
  return [node];
}

function children(node: ExpressionNode): ExpressionNode[] {
  const list: ExpressionNode[] = [];
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) list.push(...value.filter(isNode));
    else if (isNode(value)) list.push(value);
  }
  return list;
}

function isNode(value: unknown): value is ExpressionNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
