/**
 * Seeded mutations of YAML text: edits of the characters and lines (what a slip of the
 * keyboard or a bad merge does) and edits of the parsed tree (a key renamed, a value of the
 * wrong type, a step copied, an alias where nobody expects one).
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type ToStringOptions, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Random } from './random.js';

/** Text that means something to YAML, to JMESPath, to the engine's templates or to a terminal. */
export const TEXT_SNIPPETS = [
  ':', ': ', '-', '- ', '{', '}', '[', ']', ',', '"', "'", '#', '# ', '&a ', '*a', '&a', '!!str ', '!!binary ', '!!map ', '!!seq ',
  '!!int ', '!foo ', '!<tag:x> ', '|', '|-', '>', '>+', '%YAML 1.1\n', '%TAG ! tag:x,\n', '@', '`', '\t', '\n', '\r\n', '\r', '  ',
  '${{', '}}', '${{ }}', '${{ steps. }}', '${{ params.x }}', '${{ steps.stacks.outputs.all }}', '${{ item }}', '$${{', '\\',
  '\u0000', '\u0007', '\u001b[31m', '\uFEFF', '\u2028', '\uD800', '😀', 'é', '<<: *a\n', '<<: ', '? ', '---\n', '...\n', '~',
  'null', '.inf', '.nan', '0x1F', '0o17', '1e400', '-0', '"\\u', '"\\x', '&', '*', '[[[[[[[[', ']]]]', '{{{{', '}}}}',
  '__proto__: 1\n', 'constructor: ', '  - id: x\n    type: set\n', 'type: nope\n', 'with: ', '"${{ a ||| b }}"',
];

function nested(kind: 'list' | 'map', depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = kind === 'list' ? [value] : { deeper: value };
  return value;
}

/** Values of every type and shape a runbook field might get by mistake, or on purpose. */
export const INTERESTING_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', 'x'.repeat(100), 'x'.repeat(5000), 'x'.repeat(70_000),
  [], {}, nested('list', 50), nested('list', 300), nested('map', 50), nested('map', 300),
  '${{', '}}', '${{ }}', '${{ steps }}', '${{ steps.nope.outputs.x }}', '${{ params.nope }}', '${{ item }}', '${{ env.HOME }}',
  '${{ run.id }}', '${{ a || }}', '${{ `1` }}', '${{ "x" }}', "${{ 'x' }}", '${{ ${{ x }} }}', '${{ params.x }}${{',
  '${{ steps.stacks.outputs }}', '${{ length(@) > `0` }}', '${{ sort_by(@, &x) }}', '${{ let $a = `1` in $a }}',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype',
  '500ms', '0s', '-1s', '1h30m', '99999999999999999999h', '1.5s', 'stepwise/v1', 'stepwise/v2', '1.0.0', '1.0.0-rc.1', '01.0.0',
  '>=0.1.0', '>=999.0.0', '^^1', 'read', 'write', 'abort', 'continue', 'string', 'number', 'array', 'object', 'boolean',
  'Stacks[?', 'foo[', 'a.b.c', '@', '&', '*', '!', '\u0000', '\uFEFF', '😀', 'a\nb', '\t', 'shell', 'set', 'assert', 'runbook',
  'aws.cloudformation.describe-stacks', 'edn.ensure', 'datomic.administer-system', './nope.yaml', '.', '/', 'a-b', 'A', '1abc',
  ['echo', '${{ params.x }}'], { a: 1 }, [{ id: 'x', type: 'set' }], { maxAttempts: 0 }, { stepwise: '>=0.1.0' },
];

export const SCALAR_VALUES: readonly unknown[] = INTERESTING_VALUES.filter((value) => typeof value !== 'object' || value === null);

export const KEY_NAMES = [
  'apiVersion', 'name', 'version', 'description', 'requires', 'params', 'aws', 'plugins', 'steps', 'outputs', 'id', 'type', 'with',
  'if', 'skipReason', 'forEach', 'retry', 'timeout', 'onFailure', 'maxAttempts', 'interval', 'backoffRate', 'maxInterval', 'on', 'default',
  'required', 'secret', 'pattern', 'format', 'items', 'enum', 'command', 'shell', 'cwd', 'env', 'stdin', 'parse', 'effect', 'that',
  'message', 'values', 'path', 'duration', 'region', 'profile', 'stepwise', 'stackName', 'filters', 'file', 'value',
  '__proto__', 'constructor', 'toString', 'valueOf', 'toJSON', '', ' ', 'x-unknown', 'Type', 'ID', 'with ', '0', '1',
];

type TextMutation = (text: string, random: Random) => string;

const lineEdit = (edit: (lines: string[], at: number, random: Random) => void): TextMutation => (text, random) => {
  const lines = text.split('\n');
  edit(lines, random.int(lines.length), random);
  return lines.join('\n');
};

const TEXT_MUTATIONS: TextMutation[] = [
  lineEdit((lines, at) => void lines.splice(at, 1)),
  lineEdit((lines, at) => void lines.splice(at, 0, lines[at]!)),
  lineEdit((lines, at, random) => {
    const other = random.int(lines.length);
    [lines[at], lines[other]] = [lines[other]!, lines[at]!];
  }),
  lineEdit((lines, at, random) => void (lines[at] = ' '.repeat(random.int(5)) + lines[at]!)),
  lineEdit((lines, at, random) => void (lines[at] = lines[at]!.replace(/^ {1,4}/, random.chance(0.2) ? '\t' : ''))),
  lineEdit((lines, at) => void lines.splice(at, 2, `${lines[at]!}${lines[at + 1] ?? ''}`)),
  (text, random) => text.slice(0, random.int(text.length + 1)),
  (text, random) => {
    const at = random.int(text.length + 1);
    return text.slice(0, at) + random.pick(TEXT_SNIPPETS) + text.slice(at);
  },
  (text, random) => {
    const at = random.int(text.length + 1);
    return text.slice(0, at) + text.slice(at + 1 + random.int(40));
  },
  (text, random) => {
    const at = random.int(text.length);
    return text.slice(0, at) + String.fromCharCode(random.int(128)) + text.slice(at + 1);
  },
  (text, random) => {
    const from = random.int(text.length);
    const copied = text.slice(from, from + 1 + random.int(80));
    const at = random.int(text.length + 1);
    return text.slice(0, at) + copied + text.slice(at);
  },
  (text, random) => {
    const words = text.match(/[A-Za-z_$][\w.-]*/g) ?? [];
    if (words.length < 2) return text;
    const target = random.pick(words);
    return text.replace(target, random.pick(words));
  },
];

export function mutateText(text: string, random: Random): string {
  return random.pick(TEXT_MUTATIONS)(text, random);
}

/** One place in the tree: an item of a map (a pair) or of a list. */
interface Slot {
  collection: YAMLMap | YAMLSeq;
  index: number;
}

function slotsOf(node: unknown, into: Slot[] = []): Slot[] {
  if (!isMap(node) && !isSeq(node)) return into;
  node.items.forEach((item, index) => {
    into.push({ collection: node, index });
    slotsOf(isPair(item) ? item.value : item, into);
  });
  return into;
}

type TreeMutation = (doc: Document, slot: Slot, random: Random) => void;

const valueOf = (slot: Slot): unknown => {
  const item = slot.collection.items[slot.index];
  return isPair(item) ? item.value : item;
};

const setValue = (slot: Slot, value: unknown): void => {
  const item = slot.collection.items[slot.index];
  if (isPair(item)) item.value = value;
  else (slot.collection.items as unknown[])[slot.index] = value;
};

const TREE_MUTATIONS: TreeMutation[] = [
  (_doc, slot) => void slot.collection.items.splice(slot.index, 1),
  (doc, slot, random) => setValue(slot, doc.createNode(random.pick(INTERESTING_VALUES))),
  (doc, slot, random) => {
    const item = slot.collection.items[slot.index];
    if (isPair(item)) item.key = doc.createNode(random.pick(KEY_NAMES));
  },
  (doc, slot, random) => {
    const item = slot.collection.items[slot.index];
    if (!isPair(item) || !isScalar(item.key)) return;
    const key = String(item.key.value);
    item.key = doc.createNode(random.pick([`${key}x`, key.slice(1), key.toUpperCase(), key.replace(/[A-Z]/, (c) => `-${c.toLowerCase()}`), `${key} `]));
  },
  (_doc, slot) => {
    const item = slot.collection.items[slot.index] as Node | Pair;
    (slot.collection.items as unknown[]).splice(slot.index, 0, item.clone());
  },
  (_doc, slot, random) => {
    const other = random.int(slot.collection.items.length);
    const items = slot.collection.items as unknown[];
    [items[slot.index], items[other]] = [items[other], items[slot.index]];
  },
  (doc, slot, random) => {
    if (!isMap(slot.collection)) return;
    slot.collection.items.push(doc.createPair(random.pick(KEY_NAMES), random.pick(INTERESTING_VALUES)) as Pair<unknown, unknown>);
  },
  (doc, slot, random) => {
    const value = valueOf(slot);
    setValue(slot, random.chance(0.5) ? doc.createNode([value]) : doc.createNode({ [random.pick(KEY_NAMES)]: value }));
  },
  (_doc, slot) => {
    const value = valueOf(slot);
    if (isMap(value) || isSeq(value)) value.flow = !value.flow;
  },
  (doc, slot, random) => {
    // an anchor here and an alias to it elsewhere, possibly inside itself
    const value = valueOf(slot);
    if (!isMap(value) && !isSeq(value) && !isScalar(value)) return;
    value.anchor = 'fuzz';
    const slots = slotsOf(doc.contents);
    setValue(random.pick(slots), doc.createAlias(value, 'fuzz'));
  },
  (_doc, slot) => {
    const value = valueOf(slot);
    if (isScalar(value)) value.type = 'BLOCK_LITERAL';
  },
];

const STRING_STYLES = ['PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'] as const;

export function stringifyOptions(random: Random): ToStringOptions {
  return {
    indent: random.pick([2, 2, 4, 1]),
    lineWidth: random.pick([0, 80, 20]),
    defaultStringType: random.pick(STRING_STYLES),
    collectionStyle: random.pick(['any', 'any', 'flow', 'block'] as const),
  };
}

/**
 * A tree mutation of `text` written back as YAML, or undefined when the text does not parse
 * or the mutated tree cannot be written (an alias before its anchor, say).
 */
export function mutateTree(text: string, random: Random): string | undefined {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  for (let edits = 1 + random.int(3); edits > 0; edits--) {
    const slots = slotsOf(doc.contents);
    if (slots.length === 0) break;
    random.pick(TREE_MUTATIONS)(doc, random.pick(slots), random);
  }
  try {
    return doc.toString(random.chance(0.3) ? stringifyOptions(random) : undefined);
  } catch {
    return undefined;
  }
}

/** One to three mutations, of the tree or of the text. */
export function mutate(text: string, random: Random): string {
  let mutated = text;
  for (let rounds = 1 + random.int(3); rounds > 0; rounds--) {
    mutated = (random.chance(0.5) ? mutateTree(mutated, random) : undefined) ?? mutateText(mutated, random);
  }
  return mutated;
}
