/** Where a text stops being JSON, 1-based. */
export interface JsonSyntaxErrorLocation {
  line: number;
  column: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const FOUR_HEX_DIGITS = /^[0-9a-fA-F]{4}$/;
const LITERALS = ['true', 'false', 'null'];

class Stop {
  constructor(readonly offset: number) {}
}

/**
 * The first character JSON.parse rejects, found by a scan of its own because V8's messages
 * carry a position for some mistakes and not for others. Undefined when the text is JSON.
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxErrorLocation | undefined {
  let at = 0;
  function stop(): never {
    throw new Stop(at);
  }
  const skipWhitespace = (): void => {
    while (at < text.length && WHITESPACE.has(text[at]!)) at += 1;
  };
  const expect = (char: string): void => {
    if (text[at] !== char) stop();
    at += 1;
  };

  const readString = (): void => {
    expect('"');
    while (at < text.length) {
      const char = text[at]!;
      if (char === '"') {
        at += 1;
        return;
      }
      if (char < ' ') stop();
      if (char === '\\') {
        const escaped = text[at + 1];
        if (escaped === 'u') {
          if (!FOUR_HEX_DIGITS.test(text.slice(at + 2, at + 6))) stop();
          at += 6;
        } else {
          if (escaped === undefined || !SIMPLE_ESCAPES.has(escaped)) stop();
          at += 2;
        }
      } else {
        at += 1;
      }
    }
    stop();
  };

  const readValue = (): void => {
    skipWhitespace();
    const char = text[at];
    if (char === '{') return readContainer('}', () => {
      skipWhitespace();
      readString();
      skipWhitespace();
      expect(':');
      readValue();
    });
    if (char === '[') return readContainer(']', readValue);
    if (char === '"') return readString();
    NUMBER.lastIndex = at;
    if (NUMBER.test(text)) {
      at = NUMBER.lastIndex;
      return;
    }
    const literal = LITERALS.find((word) => text.startsWith(word, at));
    if (literal === undefined) stop();
    at += literal.length;
  };

  const readContainer = (close: string, readMember: () => void): void => {
    at += 1;
    skipWhitespace();
    if (text[at] === close) {
      at += 1;
      return;
    }
    for (;;) {
      readMember();
      skipWhitespace();
      if (text[at] === ',') {
        at += 1;
      } else {
        expect(close);
        return;
      }
    }
  };

  try {
    readValue();
    skipWhitespace();
    if (at < text.length) stop();
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return locate(text, error.offset);
  }
}

function locate(text: string, offset: number): JsonSyntaxErrorLocation {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
