/** Which text an offset points into: the edited file, `with.value`, or one key of `with.path`. */
export type EdnSource = { kind: 'file' } | { kind: 'value' } | { kind: 'path'; index: number };

export type EdnErrorCode = 'edn-syntax' | 'edn-shape' | 'edn-conflict';

/**
 * A refusal tied to a place in EDN text. The step turns the offset into `label:line:col`,
 * because only it knows which label (file path, `with.value`, ...) the operator wrote.
 */
export class EdnError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly code: EdnErrorCode = 'edn-syntax',
    readonly source: EdnSource = { kind: 'file' },
  ) {
    super(message);
    this.name = 'EdnError';
  }

  /** The same refusal, pointing into another text (errors are raised before we know which). */
  from(source: EdnSource): EdnError {
    return new EdnError(this.message, this.offset, this.code, source);
  }
}
