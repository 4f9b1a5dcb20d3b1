import type { SyntaxNode } from '@lezer/common';
import type { EdnForm, MapEntry, MapForm, NamespacedMapForm, ScalarForm, ScalarType, Trivia } from './edn-form.js';
import { EdnError } from './edn-error.js';
import { canonicalNumber, checkKeyword, decodeCharacter, decodeString } from './read-scalar.js';
import { formatPosition } from './text-layout.js';

type FormReader = (node: SyntaxNode, text: string) => EdnForm;

const EDN_DATA = 'EDN holds only data: maps, vectors, lists, sets, strings, keywords, symbols, numbers, characters, booleans, nil and #tagged values';

/** Clojure code syntax the grammar accepts but an EDN reader (and so the Clojure CLI) refuses. */
const CODE_SYNTAX: Readonly<Record<string, string>> = {
  Deref: '"@" (deref)',
  Quote: `"'" (quote)`,
  SyntaxQuote: '"`" (syntax quote)',
  Unquote: '"~" (unquote)',
  UnquoteSplice: '"~@" (unquote-splicing)',
  AnonymousFunction: '"#(...)" (anonymous function)',
  RegExp: '"#\\"...\\"" (regular expression)',
  Var: `"#'" (var quote)`,
  ReaderConditional: '"#?" (reader conditional)',
  Meta: '"^" (metadata)',
  ConstructorCall: '"#Class{...}" (record constructor)',
};

const SYMBOLIC_VALUES = new Set(['##Inf', '##-Inf', '##NaN']);

const READERS: Readonly<Record<string, FormReader>> = {
  Nil: (node) => scalar(node, 'nil', 'nil'),
  Boolean: (node, text) => scalar(node, 'boolean', source(node, text)),
  Number: (node, text) => scalar(node, 'number', canonicalNumber(source(node, text), node.from)),
  String: (node, text) => scalar(node, 'string', `s${JSON.stringify(decodeString(text.slice(node.from + 1, node.to - 1), node.from + 1))}`),
  Character: (node, text) => scalar(node, 'character', `c${JSON.stringify(decodeCharacter(source(node, text), node.from))}`),
  Keyword: readKeyword,
  Symbol: readSymbol,
  // The grammar gives Clojure-specific names to symbols and strings at the head of a list.
  DefLike: readSymbol,
  NS: readSymbol,
  Operator: readOnlyChild,
  VarName: readOnlyChild,
  DocString: readOnlyChild,
  SymbolicValue: readSymbolicValue,
  Vector: (node, text) => readSequence(node, text, 'vector'),
  List: (node, text) => readSequence(node, text, 'list'),
  Set: readSet,
  Map: readMap,
  NamespacedMap: readNamespacedMap,
  TaggedLiteral: readTagged,
};

/** Reads the forms directly inside a node (the document, or a collection), skipping comments and discards. */
export function readForms(parent: SyntaxNode, text: string): EdnForm[] {
  return formNodes(parent).map((node) => readForm(node, text));
}

function readForm(node: SyntaxNode, text: string): EdnForm {
  const codeSyntax = CODE_SYNTAX[node.name];
  if (codeSyntax !== undefined) {
    throw new EdnError(`${codeSyntax} is Clojure code, not EDN: ${EDN_DATA}`, node.from);
  }
  const reader = READERS[node.name];
  if (reader === undefined) throw new EdnError(`unexpected ${JSON.stringify(source(node, text))}: ${EDN_DATA}`, node.from);
  return reader(node, text);
}

function formNodes(parent: SyntaxNode): SyntaxNode[] {
  return childNodes(parent).filter((child) => child.name in READERS || child.name in CODE_SYNTAX);
}

function childNodes(parent: SyntaxNode): SyntaxNode[] {
  const children: SyntaxNode[] = [];
  for (let child = parent.firstChild; child !== null; child = child.nextSibling) children.push(child);
  return children;
}

function source(node: SyntaxNode, text: string): string {
  return text.slice(node.from, node.to);
}

function scalar(node: SyntaxNode, type: ScalarType, canonical: string): ScalarForm {
  return { kind: 'scalar', type, from: node.from, to: node.to, canonical };
}

function readKeyword(node: SyntaxNode, text: string): ScalarForm {
  const keyword = source(node, text);
  checkKeyword(keyword, node.from);
  return scalar(node, 'keyword', `k${keyword}`);
}

function readSymbol(node: SyntaxNode, text: string): ScalarForm {
  return scalar(node, 'symbol', `y${source(node, text)}`);
}

function readOnlyChild(node: SyntaxNode, text: string): EdnForm {
  const [child] = formNodes(node);
  if (child === undefined) throw new EdnError(`unexpected ${JSON.stringify(source(node, text))}: ${EDN_DATA}`, node.from);
  return readForm(child, text);
}

function readSymbolicValue(node: SyntaxNode, text: string): ScalarForm {
  const value = source(node, text);
  if (!SYMBOLIC_VALUES.has(value)) {
    throw new EdnError(`${value} is not EDN: the symbolic values are ##Inf, ##-Inf and ##NaN`, node.from);
  }
  return scalar(node, 'number', value);
}

function readSequence(node: SyntaxNode, text: string, kind: 'vector' | 'list'): EdnForm {
  const items = readForms(node, text);
  // Clojure's `=` holds between a list and a vector with equal items.
  return { kind, items, from: node.from, to: node.to, canonical: `[${items.map((item) => item.canonical).join(' ')}]` };
}

function readSet(node: SyntaxNode, text: string): EdnForm {
  const body = node.lastChild;
  const items = body === null ? [] : readForms(body, text);
  rejectDuplicates(items, text, 'set', 'element');
  const canonical = `#{${items.map((item) => item.canonical).sort().join(' ')}}`;
  return { kind: 'set', items, from: node.from, to: node.to, canonical };
}

function readMap(node: SyntaxNode, text: string): MapForm {
  const forms = readForms(node, text);
  const entries: MapEntry[] = [];
  for (let index = 0; index < forms.length; index += 2) {
    const key = forms[index];
    const value = forms[index + 1];
    if (key === undefined) break;
    if (value === undefined) {
      throw new EdnError(`key ${text.slice(key.from, key.to)} has no value: a map holds key-value pairs`, key.from);
    }
    entries.push({ key, value });
  }
  rejectDuplicates(entries.map((entry) => entry.key), text, 'map', 'key');
  return {
    kind: 'map',
    from: node.from,
    to: node.to,
    open: node.from,
    close: node.to - 1,
    entries,
    trivia: readTrivia(node, text),
    canonical: canonicalMap(entries.map((entry) => [entry.key.canonical, entry.value.canonical])),
  };
}

function readNamespacedMap(node: SyntaxNode, text: string): NamespacedMapForm {
  const prefix = node.firstChild;
  const body = node.lastChild;
  const namespace = prefix === null ? '' : source(prefix, text).slice(2);
  if (body === null || namespace === '' || namespace.startsWith(':')) {
    throw new EdnError(`${JSON.stringify(source(node, text))} is not EDN: a namespaced map is written #:namespace{...}`, node.from);
  }
  const map = readMap(body, text);
  const pairs = map.entries.map((entry): [string, string] => [qualifyKey(entry.key, namespace), entry.value.canonical]);
  return { kind: 'namespaced-map', map, from: node.from, to: node.to, canonical: canonicalMap(pairs) };
}

/** In `#:ns{...}` a bare keyword or symbol key means `ns/key`, and `:_/key` means `:key`. */
function qualifyKey(key: EdnForm, namespace: string): string {
  if (key.kind !== 'scalar' || (key.type !== 'keyword' && key.type !== 'symbol')) return key.canonical;
  const marker = key.canonical.slice(0, key.type === 'keyword' ? 2 : 1);
  const name = key.canonical.slice(marker.length);
  if (name.startsWith('_/')) return marker + name.slice(2);
  return name.includes('/') ? key.canonical : `${marker}${namespace}/${name}`;
}

function readTagged(node: SyntaxNode, text: string): EdnForm {
  const tagNode = node.firstChild;
  const tag = tagNode === null ? '' : source(tagNode, text).slice(1);
  const [value] = readForms(node, text);
  if (!/^[A-Za-z]/.test(tag) || value === undefined) {
    throw new EdnError(`#${tag} is not an EDN tag: a tag is # followed by a symbol that starts with a letter, then a value`, node.from);
  }
  return { kind: 'tagged', tag, value, from: node.from, to: node.to, canonical: `#${tag} ${value.canonical}` };
}

function readTrivia(node: SyntaxNode, text: string): Trivia[] {
  return childNodes(node).flatMap((child): Trivia[] => {
    if (child.name === 'Discard') return [{ kind: 'discard', from: child.from, to: child.to }];
    if (child.name !== 'LineComment') return [];
    // A line comment runs up to the `\n`; in a CRLF file the `\r` belongs to the line ending, not the comment.
    const to = text[child.to - 1] === '\r' ? child.to - 1 : child.to;
    return [{ kind: 'comment', from: child.from, to }];
  });
}

function canonicalMap(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `{${pairs.map(([key, value]) => `${key} ${value}`).sort().join(', ')}}`;
}

function rejectDuplicates(forms: readonly EdnForm[], text: string, collection: string, role: string): void {
  const seen = new Map<string, EdnForm>();
  for (const form of forms) {
    const first = seen.get(form.canonical);
    if (first !== undefined) {
      throw new EdnError(
        `duplicate ${role} ${text.slice(form.from, form.to)} (first at ${formatPosition(text, first.from)}): an EDN ${collection} holds each ${role} once`,
        form.from,
      );
    }
    seen.set(form.canonical, form);
  }
}
