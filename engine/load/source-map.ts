import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export type DocPath = readonly (string | number)[];

export interface Position {
  line: number;
  col: number;
}

/** The YAML document of a runbook's text, with where each of its lines starts. */
export interface ParsedYaml {
  doc: Document;
  lines: LineCounter;
}

/** Maps a path in the parsed value back to where the author wrote it. */
export class SourceMap {
  private parsed: ParsedYaml | undefined;

  /** `parse` runs once, when a position is first asked for: a runbook with no problem to locate may never need it. */
  constructor(
    private readonly parse: () => ParsedYaml,
    private readonly text: string,
  ) {}

  private get doc(): Document {
    return this.yaml().doc;
  }

  private get lines(): LineCounter {
    return this.yaml().lines;
  }

  private yaml(): ParsedYaml {
    this.parsed ??= this.parse();
    return this.parsed;
  }

  /** The value at `path`, or the nearest ancestor that exists. */
  valueAt(path: DocPath): Position {
    const { node } = this.walk(path);
    return this.at(node?.range?.[0] ?? 0);
  }

  /** The key that names `path` (for unknown or misplaced keys), else its value. */
  keyAt(path: DocPath): Position {
    const { node, pair } = this.walk(path);
    const keyNode = pair?.key as Node | undefined;
    return this.at(keyNode?.range?.[0] ?? node?.range?.[0] ?? 0);
  }

  /**
   * Where the character at `index` of a string value was written, so that an error inside an
   * expression points into it. Quotes, escapes, folding and block indentation make the value
   * differ from its source, so the value's characters are matched to the source in order.
   */
  positionInString(path: DocPath, index: number): Position | undefined {
    const { node, complete } = this.walk(path);
    if (!complete || !isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
    const [start, end] = node.range;
    let cursor = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED' ? this.text.indexOf('\n', start) + 1 : start;
    if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') cursor++;
    for (let i = 0; i < index; i++) {
      const found = this.text.indexOf(node.value.charAt(i), cursor);
      if (found < 0 || found >= end) return undefined;
      cursor = found + 1;
    }
    const target = this.text.indexOf(node.value.charAt(index), cursor);
    return target >= 0 && target < end ? this.at(target) : undefined;
  }

  /** A scalar's source text, such as `1.0` for what YAML reads as the number 1. */
  writtenAt(path: DocPath): string | undefined {
    const { node, complete } = this.walk(path);
    return complete && isScalar(node) && node.range ? this.text.slice(node.range[0], node.range[1]) : undefined;
  }

  at(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  private walk(path: DocPath): { node: Node | undefined; pair: Pair | undefined; complete: boolean } {
    let node = this.doc.contents as Node | undefined;
    let pair: Pair | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const found = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!found) return { node, pair, complete: false };
        pair = found as Pair;
        node = found.value as Node | undefined;
        if (node === undefined || node === null) return { node: found.key as Node, pair, complete: false };
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        pair = undefined;
        node = node.items[segment] as Node;
      } else {
        return { node, pair, complete: false };
      }
    }
    return { node, pair, complete: true };
  }
}
