/**
 * EDN values read from text, each remembering where it lies so that edits touch only its
 * bytes. `canonical` is a text that is equal for two forms exactly when Clojure's `=` would
 * call their values equal (map and set order, whitespace and comments do not matter).
 */
interface FormSpan {
  readonly from: number;
  readonly to: number;
  readonly canonical: string;
}

export type ScalarType = 'nil' | 'boolean' | 'number' | 'string' | 'character' | 'keyword' | 'symbol';

export interface ScalarForm extends FormSpan {
  readonly kind: 'scalar';
  readonly type: ScalarType;
}

export interface SequenceForm extends FormSpan {
  readonly kind: 'vector' | 'list' | 'set';
  readonly items: readonly EdnForm[];
}

export interface MapEntry {
  readonly key: EdnForm;
  readonly value: EdnForm;
}

/** A comment or `#_` discard inside a map: insertions must not split or orphan them. */
export interface Trivia {
  readonly kind: 'comment' | 'discard';
  readonly from: number;
  readonly to: number;
}

export interface MapForm extends FormSpan {
  readonly kind: 'map';
  /** Offset of `{` and of `}`. */
  readonly open: number;
  readonly close: number;
  readonly entries: readonly MapEntry[];
  readonly trivia: readonly Trivia[];
}

/** `#:ns{...}`: its keys mean `:ns/key`, so edits never descend into one. */
export interface NamespacedMapForm extends FormSpan {
  readonly kind: 'namespaced-map';
  readonly map: MapForm;
}

export interface TaggedForm extends FormSpan {
  readonly kind: 'tagged';
  readonly tag: string;
  readonly value: EdnForm;
}

export type EdnForm = ScalarForm | SequenceForm | MapForm | NamespacedMapForm | TaggedForm;

/** The operator-facing name of what a form is, for messages such as "holds a vector". */
export function describeForm(form: EdnForm): string {
  switch (form.kind) {
    case 'scalar':
      return form.type === 'nil' ? 'nil' : `a ${form.type}`;
    case 'namespaced-map':
      return 'a namespaced map #:ns{...}';
    case 'tagged':
      return `a tagged value #${form.tag}`;
    default:
      return `a ${form.kind}`;
  }
}

/** Ranges of string literals inside a form: re-indenting must never change their text. */
export function collectStringRanges(form: EdnForm): Array<readonly [number, number]> {
  switch (form.kind) {
    case 'scalar':
      return form.type === 'string' ? [[form.from, form.to]] : [];
    case 'vector':
    case 'list':
    case 'set':
      return form.items.flatMap(collectStringRanges);
    case 'map':
      return form.entries.flatMap((entry) => [...collectStringRanges(entry.key), ...collectStringRanges(entry.value)]);
    case 'namespaced-map':
      return collectStringRanges(form.map);
    case 'tagged':
      return collectStringRanges(form.value);
  }
}
