/** Shorter values would mask innocent text everywhere: such secrets are refused, never shown. */
export const MIN_SECRET_LENGTH = 4;

/**
 * The texts a secret value can be seen as, once a program has printed it: the value, each
 * line of a value of several lines (a PEM key printed or cut line by line, a failure message
 * that quotes its last line), and each of those as text in JSON, in a URL or form, and in
 * base64. Trimmed lines shorter than MIN_SECRET_LENGTH are left out: masking `}` would garble
 * every text.
 */
export function secretForms(value: string): string[] {
  const pieces = new Set([value, value.trim(), ...linesOf(value)]);
  const forms = new Set<string>();
  for (const piece of pieces) {
    if (piece.trim().length < MIN_SECRET_LENGTH) continue;
    for (const form of encodings(piece)) forms.add(form);
  }
  return [...forms];
}

/** A value holds something to hide, yet too little of it to be masked safely. */
export function isTooShortToMask(text: string): boolean {
  const length = text.trim().length;
  return length > 0 && length < MIN_SECRET_LENGTH;
}

function linesOf(value: string): string[] {
  const lines = value.split(/\r?\n|\r/);
  return lines.length < 2 ? [] : lines.map((line) => line.trim());
}

function encodings(text: string): string[] {
  const base64 = Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '');
  return [
    text,
    ...jsonForms(text),
    encodeURIComponent(text),
    new URLSearchParams({ v: text }).toString().slice('v='.length),
    // without its padding, which depends on what follows in a longer text
    base64,
    base64.replace(/\+/g, '-').replace(/\//g, '_'),
  ];
}

/**
 * The text as a JSON string's content, as the common encoders write it, and each of those
 * written into JSON once more: a secret manager's `SecretString` is JSON text inside JSON.
 */
function jsonForms(text: string): string[] {
  const once = jsonEscapings(text);
  return [...new Set([...once, ...once.map(escapeForJson)])];
}

function jsonEscapings(text: string): string[] {
  const plain = escapeForJson(text);
  const forms = new Set<string>();
  // Python's json.dumps and PHP write non-ASCII as \uXXXX, some encoders in upper-case hex
  for (const unicode of [plain, asciiOnly(plain, false), asciiOnly(plain, true)]) {
    // Go's encoding/json writes & < > as \u0026 \u003c \u003e; PHP writes / as \/
    for (const form of [unicode, htmlSafe(unicode)]) forms.add(form).add(form.replaceAll('/', '\\/'));
  }
  return [...forms];
}

function escapeForJson(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function asciiOnly(json: string, upperCase: boolean): string {
  return json.replace(/[^\x00-\x7f]/g, (char) => `\\u${hex(char.charCodeAt(0), upperCase)}`);
}

function htmlSafe(json: string): string {
  return json.replace(/[&<>]/g, (char) => `\\u${hex(char.charCodeAt(0), false)}`);
}

function hex(code: number, upperCase: boolean): string {
  const digits = code.toString(16).padStart(4, '0');
  return upperCase ? digits.toUpperCase() : digits;
}
