/** What a plugin's source is made of, as far as finding a key needs: strings and comments are skipped whole, so a brace in them counts for nothing. */
interface Token {
  at: number;
  kind: 'open' | 'close' | 'comma' | 'word' | 'string' | 'other';
  text: string;
}

/**
 * Where `key` is written as a key of the object literal whose own level holds `offset` (the
 * object around a definition's `type: 'team.deploy'`), before or after it: `includes: ...`,
 * `includes,` or `includes() {`, `async includes(`, `'includes':`. Undefined when it is not
 * written there, as when the definition spreads it from another object.
 */
export function keyInEnclosingObject(text: string, offset: number, key: string): number | undefined {
  const all = [...tokens(text)];
  const open: Token[] = [];
  for (const token of all) {
    if (token.at >= offset) break;
    if (token.kind === 'open') open.push(token);
    else if (token.kind === 'close') open.pop();
  }
  const object = open.at(-1);
  if (object?.text !== '{') return undefined;
  let depth = 0;
  let keyNext = false;
  for (let index = all.indexOf(object); index < all.length; index++) {
    const token = all[index]!;
    if (token.kind === 'open') depth++;
    else if (token.kind === 'close' && --depth === 0) return undefined;
    if (depth === 1 && keyNext) {
      const modified = token.kind === 'word' && ['async', 'get', 'set'].includes(token.text) && all[index + 1]?.kind === 'word';
      const named = modified ? all[index + 1]! : token;
      if ((named.kind === 'word' || named.kind === 'string') && named.text === key) return named.at;
    }
    keyNext = depth === 1 && (token === object || token.kind === 'comma');
  }
  return undefined;
}

function* tokens(text: string): Generator<Token> {
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (/\s/.test(char)) {
      at++;
    } else if (text.startsWith('//', at)) {
      at = endOf(text, '\n', at + 2);
    } else if (text.startsWith('/*', at)) {
      at = endOf(text, '*/', at + 2);
    } else if (char === "'" || char === '"' || char === '`') {
      const end = endOfQuoted(text, at);
      yield { at, kind: 'string', text: text.slice(at + 1, end - 1) };
      at = end;
    } else if (/[\w$]/.test(char)) {
      const word = /^[\w$]+/.exec(text.slice(at, at + 200))![0];
      yield { at, kind: 'word', text: word };
      at += word.length;
    } else {
      yield { at, kind: '{[('.includes(char) ? 'open' : '}])'.includes(char) ? 'close' : char === ',' ? 'comma' : 'other', text: char };
      at++;
    }
  }
}

function endOf(text: string, closing: string, from: number): number {
  const found = text.indexOf(closing, from);
  return found < 0 ? text.length : found + closing.length;
}

/** Past the quote that closes the string opening at `start`, escapes skipped. */
function endOfQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let at = start + 1; at < text.length; at++) {
    if (text[at] === '\\') at++;
    else if (text[at] === quote) return at + 1;
  }
  return text.length;
}
