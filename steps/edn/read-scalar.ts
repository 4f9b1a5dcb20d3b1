import { EdnError } from './edn-error.js';

// Lexing of single tokens the grammar has already delimited; the document structure itself
// always comes from the syntax tree.
const INTEGER = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))N?$/;
const FLOAT = /^[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?$/;
const DECIMAL = /^[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?M$/;

const NAMED_CHARACTERS: Readonly<Record<string, string>> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  formfeed: '\f',
  backspace: '\b',
};

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  t: '\t',
  r: '\r',
  n: '\n',
  b: '\b',
  f: '\f',
  '"': '"',
  '\\': '\\',
};

/**
 * Integers compare as integers whatever their spelling (`10`, `0xA`, `10N`), as in Clojure,
 * and never equal a float.
 */
export function canonicalNumber(text: string, offset: number): string {
  const integer = INTEGER.exec(text);
  if (integer) {
    const [, sign, hex, octal, decimal] = integer;
    const magnitude = hex !== undefined ? BigInt(`0x${hex}`) : octal !== undefined ? BigInt(`0o${octal}`) : BigInt(decimal ?? '0');
    return `i${sign === '-' ? -magnitude : magnitude}`;
  }
  if (DECIMAL.test(text)) return `d${Number(text.slice(0, -1))}`;
  if (FLOAT.test(text)) return `f${Number(text)}`;
  throw new EdnError(
    `number ${text} is not EDN: use an integer (42, -7, 42N), a float (1.5, 1e3) or a decimal (1.5M)`,
    offset,
  );
}

/** Decodes the text between the quotes of a string literal. */
export function decodeString(content: string, offset: number): string {
  let decoded = '';
  for (let index = 0; index < content.length; index += 1) {
    const char = content[index];
    if (char !== '\\') {
      decoded += char;
      continue;
    }
    const escape = content[index + 1] ?? '';
    const unicode = escape === 'u' ? /^[0-9a-fA-F]{4}/.exec(content.slice(index + 2)) : null;
    if (unicode) {
      decoded += String.fromCharCode(Number.parseInt(unicode[0], 16));
      index += 5;
    } else if (escape in STRING_ESCAPES) {
      decoded += STRING_ESCAPES[escape];
      index += 1;
    } else {
      throw new EdnError(
        `unknown escape \\${escape} in a string: use \\" \\\\ \\n \\t \\r \\b \\f or \\uXXXX`,
        offset + index,
      );
    }
  }
  return decoded;
}

/** Decodes a character literal such as `\a`, `\newline` or `\u00e9`. */
export function decodeCharacter(text: string, offset: number): string {
  const body = text.slice(1);
  const named = NAMED_CHARACTERS[body];
  if (named !== undefined) return named;
  if (/^u[0-9a-fA-F]{4}$/.test(body)) return String.fromCharCode(Number.parseInt(body.slice(1), 16));
  if (/^o[0-7]{1,3}$/.test(body)) return String.fromCharCode(Number.parseInt(body.slice(1), 8));
  if ([...body].length === 1 && body.trim() !== '') return body;
  throw new EdnError(
    `character ${JSON.stringify(text)} is not EDN: use \\c, \\newline, \\space, \\tab, \\return or \\uXXXX`,
    offset,
  );
}

/** Auto-resolved keywords (`::name`) need a namespace context that EDN readers do not have. */
export function checkKeyword(text: string, offset: number): void {
  if (text === ':' || text.startsWith('::') || text.endsWith('/')) {
    throw new EdnError(`keyword ${text} is not EDN: write :name or :namespace/name`, offset);
  }
}
