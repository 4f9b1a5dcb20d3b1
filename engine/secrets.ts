import type { JsonValue } from './json.js';
import { isTooShortToMask, MIN_SECRET_LENGTH, secretForms } from './secret-forms.js';

export const MASK = '***';

/** Replaces every known secret value, in each form it may take in text, in anything about to be shown or stored. */
export class Redactor {
  /** The values as given, to mask a number or boolean that is one whole. */
  private readonly values = new Set<string>();
  private readonly forms = new Set<string>();
  /** Longest first, so that a secret containing another is masked whole. */
  private ordered: string[] = [];

  add(value: JsonValue | undefined): void {
    if (value === undefined || value === null) return;
    if (typeof value === 'object') {
      for (const item of Object.values(value)) this.add(item);
      return;
    }
    const text = String(value);
    if (text.trim().length < MIN_SECRET_LENGTH) return;
    this.values.add(text);
    for (const form of secretForms(text)) this.forms.add(form);
    this.ordered = [...this.forms].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.values.size;
  }

  text(input: string): string {
    let out = input;
    for (const form of this.ordered) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  }

  /**
   * Strings are masked inside, keys of mappings included; a number or boolean is masked whole
   * when its text is a secret (a secret param may be typed, such as a PIN).
   */
  value<T>(input: T): T {
    if (this.values.size === 0) return input;
    if (typeof input === 'string') return this.text(input) as T;
    if (typeof input === 'number' || typeof input === 'boolean') return (this.values.has(String(input)) ? MASK : input) as T;
    if (Array.isArray(input)) return input.map((item) => this.value(item)) as T;
    if (typeof input === 'object' && input !== null && input.constructor === Object) return this.mapping(input as Record<string, unknown>) as T;
    return input;
  }

  /**
   * Two keys may mask alike (`a-<secret1>` and `a-<secret2>` both give `a-***`), or a masked
   * key may meet one that was `***` already: a key that was masked gets a number, so no entry
   * is lost and no key that was not masked changes.
   */
  private mapping(input: Record<string, unknown>): Record<string, unknown> {
    const entries = Object.entries(input).map(([key, item]) => ({ key, masked: this.text(key), item }));
    const taken = new Set(entries.filter(({ key, masked }) => key === masked).map(({ key }) => key));
    const out: Record<string, unknown> = {};
    for (const { key, masked, item } of entries) {
      let name = masked;
      if (key !== masked) {
        for (let n = 2; taken.has(name); n++) name = `${masked} (${n})`;
        taken.add(name);
      }
      Object.defineProperty(out, name, { value: this.value(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}

/** Some string or number in the value has a few characters only: it could not be masked, so it is refused. */
export function hasTooShortSecret(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || typeof value === 'boolean') return false;
  if (typeof value === 'object') return Object.values(value).some((item) => hasTooShortSecret(item));
  return isTooShortToMask(String(value));
}

export { MIN_SECRET_LENGTH };
