import { describe, expect, it } from 'vitest';
import { locateJsonSyntaxError } from '../../steps/core/json-syntax.js';

describe('locateJsonSyntaxError', () => {
  it.each([
    '{"a":1}',
    ' [1, -2.5e3, 0, "x\\u00e9\\n\\"", true, false, null, {}, []] ',
    '"text"',
    '{"nested": {"list": [{"k": [1, [2, [3]]]}]}}',
  ])('finds nothing wrong in %j', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(locateJsonSyntaxError(text)).toBeUndefined();
  });

  it.each([
    ['{"a": }', 1, 7],
    ['{"a": 1', 1, 8],
    ['', 1, 1],
    ['[1,2,]', 1, 6],
    ['01', 1, 2],
    ['tru', 1, 1],
    ['"abc', 1, 5],
    ['{"a" 1}', 1, 6],
    ['1 2', 1, 3],
    ['{\n  "a": 1,\n  "b": x\n}', 3, 8],
    ['"\\x"', 1, 2],
    ['"\\u12G4"', 1, 2],
    ['"tab\there"', 1, 5],
    ['-', 1, 1],
    ['1.', 1, 2],
    ['{"a":1,}', 1, 8],
    ["{'a': 1}", 1, 2],
    ['Error: not json at all', 1, 1],
  ])('locates the mistake in %j at line %i, column %i', (text, line, column) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(locateJsonSyntaxError(text)).toMatchObject({ line, column });
  });
});
