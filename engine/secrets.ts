import type { JsonValue } from './json.js';

export const MASK = '***';
/** Shorter values would mask innocent text everywhere; such secrets are refused as params. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every known secret value in anything about to be shown or stored. */
export class Redactor {
  private readonly values = new Set<string>();

  add(value: JsonValue | undefined): void {
    if (value === undefined || value === null) return;
    if (typeof value === 'object') {
      for (const item of Object.values(value)) this.add(item);
      return;
    }
    const text = String(value);
    if (text.length >= MIN_SECRET_LENGTH) this.values.add(text);
  }

  get size(): number {
    return this.values.size;
  }

  text(input: string): string {
    let out = input;
    for (const secret of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
    return out;
  }

  /** A number or boolean is masked whole when its text is a secret: a secret param may be typed, such as a PIN. */
  value<T>(input: T): T {
    if (this.values.size === 0) return input;
    if (typeof input === 'string') return this.text(input) as T;
    if (typeof input === 'number' || typeof input === 'boolean') return (this.values.has(String(input)) ? MASK : input) as T;
    if (Array.isArray(input)) return input.map((item) => this.value(item)) as T;
    if (typeof input === 'object' && input !== null && input.constructor === Object) {
      return Object.fromEntries(Object.entries(input).map(([key, item]) => [key, this.value(item)])) as T;
    }
    return input;
  }
}

export { MIN_SECRET_LENGTH };
