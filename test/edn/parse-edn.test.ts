import { describe, expect, it } from 'vitest';
import { EdnError } from '../../steps/edn/edn-error.js';
import { parseEdn } from '../../steps/edn/parse-edn.js';
import { formatPosition } from '../../steps/edn/text-layout.js';

function canonical(text: string): string {
  const [form] = parseEdn(text);
  if (form === undefined) throw new Error(`no form in ${text}`);
  return form.canonical;
}

/** The refusal as the operator reads it: `line:col: message`. */
function refusal(text: string): string {
  try {
    parseEdn(text);
  } catch (error) {
    if (error instanceof EdnError) return `${formatPosition(text, error.offset)}: ${error.message}`;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe('semantic equality', () => {
  it.each([
    ['{:url "x"}', '{:url  "x"}'],
    ['{:a 1 :b 2}', '{:b 2, :a 1}'],
    ['{:a 1 ; note\n :b 2}', '{:a 1 #_:ignored :b 2}'],
    ['#{1 2 3}', '#{3 1 2}'],
    ['[1 2]', '(1 2)'],
    ['1', '1N'],
    ['10', '0xA'],
    ['"aA\\n"', '"a\\u0041\\n"'],
    ['\\A', '\\u0041'],
    ['#:mvn{:version "1"}', '{:mvn/version "1"}'],
    ['#:x{:_/a 1 :y/b 2}', '{:a 1 :y/b 2}'],
    ['#inst "2020-01-01T00:00:00Z"', '#inst   "2020-01-01T00:00:00Z"'],
  ])('%s equals %s', (left, right) => {
    expect(canonical(left)).toBe(canonical(right));
  });

  it.each([
    ['{:url "x"}', '{:url "y"}'],
    ['1', '1.0'],
    ['"a"', 'a'],
    [':a', 'a'],
    ['"1.0.68"', '"1.0.68 "'],
    ['{:a {:b 1}}', '{:a {:b 1 :c 2}}'],
    ['#{1}', '[1]'],
  ])('%s differs from %s', (left, right) => {
    expect(canonical(left)).not.toBe(canonical(right));
  });

  it('skips every form of a chained #_ #_ discard', () => {
    expect(canonical('{:a 1 #_ #_ :b 2 :c 3}')).toBe(canonical('{:a 1 :c 3}'));
  });

  it('reads a file that starts with a byte order mark, keeping offsets', () => {
    const [form] = parseEdn('\uFEFF{:a 1}');
    expect(form).toMatchObject({ kind: 'map', from: 1, to: 7 });
  });
});

describe('refusals name the place and what is allowed', () => {
  it.each([
    ['{:a 1\n :b [1 2 ; open\n}', '2:5: "[" is closed by "}" at 3:1: expected "]"'],
    ['{:a 1 ; never closed\n', '1:1: "{" is never closed: expected "}" before the end of the file'],
    ['{:a [1 {:b (2 3}]}', '1:12: "(" is closed by "}" at 1:16: expected ")"'],
    ['{:a 1 )}', '1:7: unexpected ")": the innermost open bracket is "{" at 1:1, closed by "}"'],
    ['{:a 1 | }', '1:7: unexpected "|": expected a form (map, vector, list, set, string, keyword, symbol, number, character, true, false, nil) or a closing bracket'],
    ['{:a #_ }', '1:5: "#_" must be followed by the form it discards'],
    ['{::a 1}', '1:2: keyword ::a is not EDN: write :name or :namespace/name'],
    ['{:a "x\\q"}', '1:7: unknown escape \\q in a string: use \\" \\\\ \\n \\t \\r \\b \\f or \\uXXXX'],
    ['{:a 1/2}', '1:5: number 1/2 is not EDN: use an integer (42, -7, 42N), a float (1.5, 1e3) or a decimal (1.5M)'],
    ['{:a ##Foo}', '1:5: ##Foo is not EDN: the symbolic values are ##Inf, ##-Inf and ##NaN'],
    ['{:a #"re"}', '1:5: "#\\"...\\"" (regular expression) is Clojure code, not EDN: EDN holds only data: maps, vectors, lists, sets, strings, keywords, symbols, numbers, characters, booleans, nil and #tagged values'],
    ['{:a ^:meta {}}', '1:5: "^" (metadata) is Clojure code, not EDN: EDN holds only data: maps, vectors, lists, sets, strings, keywords, symbols, numbers, characters, booleans, nil and #tagged values'],
    ['{:a 1 :b}', '1:7: key :b has no value: a map holds key-value pairs'],
    ['#{1 1}', '1:5: duplicate element 1 (first at 1:3): an EDN set holds each element once'],
    ['{:a "x\ny" :a 2}', '2:4: duplicate key :a (first at 1:2): an EDN map holds each key once'],
    ['{:a 1}\r\n{:b "open}\r\n', '2:5: this string is never closed: expected a closing " before the end of the file'],
  ])('%j', (text, expected) => {
    expect(refusal(text)).toBe(expected);
  });
});
