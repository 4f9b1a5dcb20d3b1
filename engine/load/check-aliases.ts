import { isAlias, isMap, isPair, isSeq, visit, type Alias, type Document, type Node } from 'yaml';

const MAX_ALIASES = 100;

/**
 * How many values aliases may add to a document once expanded. A runbook reuses a few small
 * blocks; a "billion laughs" nests aliases of aliases to grow exponentially from a tiny file.
 */
const MAX_ALIAS_EXPANSION = 10_000;

/** An alias the document cannot be expanded past, with where it is written. */
export interface AliasProblem {
  offset: number;
  message: string;
}

/** Checks aliases before anything expands them, so a hostile file costs nothing. */
export function findAliasProblem(doc: Document): AliasProblem | undefined {
  const aliases = aliasesOf(doc);
  const excess = aliases[MAX_ALIASES];
  if (excess) return at(excess, `more than ${MAX_ALIASES} YAML aliases: refused as a resource exhaustion risk`);
  const sizes = new ExpandedSizes(doc);
  let added = 0;
  for (const alias of aliases) {
    const target = alias.resolve(doc);
    if (!target) return at(alias, `alias *${alias.source} names no anchor: define &${alias.source} on a value before this point`);
    if (contains(target, alias)) return at(alias, `alias *${alias.source} is inside the value it repeats (&${alias.source}), which would make it infinitely deep`);
    added += sizes.of(target);
    if (added > MAX_ALIAS_EXPANSION) {
      return at(alias, `alias *${alias.source} makes the document expand to more than ${MAX_ALIAS_EXPANSION} values (a "billion laughs"): refused as a resource exhaustion risk`);
    }
  }
  return undefined;
}

function aliasesOf(doc: Document): Alias[] {
  const aliases: Alias[] = [];
  visit(doc, { Alias: (_key, alias) => void aliases.push(alias) });
  return aliases;
}

function contains(outer: Node, inner: Node): boolean {
  const [start, end] = outer.range ?? [0, 0];
  const position = inner.range?.[0] ?? -1;
  return start <= position && position < end;
}

function at(alias: Alias, message: string): AliasProblem {
  return { offset: alias.range?.[0] ?? 0, message };
}

/** The number of values a node stands for once every alias in it is replaced by its target. */
class ExpandedSizes {
  private readonly known = new Map<object, number>();

  constructor(private readonly doc: Document) {}

  of(node: unknown): number {
    if (!node || typeof node !== 'object') return 0;
    const known = this.known.get(node);
    if (known !== undefined) return known;
    // a node met again while it is being measured is a cycle: count it as too big to expand
    this.known.set(node, Infinity);
    const size = this.measure(node);
    this.known.set(node, size);
    return size;
  }

  private measure(node: unknown): number {
    if (isAlias(node)) return this.of(node.resolve(this.doc));
    if (isMap(node) || isSeq(node)) return 1 + (node.items as unknown[]).reduce<number>((sum, item) => sum + this.of(item), 0);
    if (isPair(node)) return this.of(node.key) + this.of(node.value);
    return 1;
  }
}
