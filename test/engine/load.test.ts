import { describe, expect, it } from 'vitest';
import { parseRunbookText, type ReadResult } from '../../engine/load/read-runbook-file.js';
import type { Diagnostic } from '../../engine/validate/diagnostic.js';

const FILE = 'runbooks/test.yaml';

function diagnosticsOf(result: ReadResult): Diagnostic[] {
  if (result.ok) throw new Error(`expected the text to be refused, but it parsed to ${JSON.stringify(result.source.value)}`);
  return result.diagnostics;
}

function located(result: ReadResult): string[] {
  return diagnosticsOf(result).map((d) => `${d.line}:${d.col} ${d.message}`);
}

describe('parseRunbookText', () => {
  it('parses a runbook into plain values and remembers where each value was written', () => {
    const text = ['apiVersion: stepwise/v1', 'name: demo', 'steps:', '  - id: first', '    with: { command: [echo, hi] }', ''].join('\n');
    const result = parseRunbookText(FILE, text);
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.source.value).toEqual({ apiVersion: 'stepwise/v1', name: 'demo', steps: [{ id: 'first', with: { command: ['echo', 'hi'] } }] });
    expect(result.source.file).toBe(FILE);
    expect(result.source.text).toBe(text);
    expect(result.source.map.valueAt(['steps', 0, 'id'])).toEqual({ line: 4, col: 9 });
    expect(result.source.map.keyAt(['steps', 0, 'with'])).toEqual({ line: 5, col: 5 });
    expect(result.source.map.valueAt(['steps', 0, 'with', 'command', 1])).toEqual({ line: 5, col: 29 });
  });

  it('points at the nearest existing ancestor for a path that is not in the document', () => {
    const result = parseRunbookText(FILE, 'steps:\n  - id: first\n');
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.source.map.valueAt(['steps', 0, 'with', 'command'])).toEqual({ line: 2, col: 5 });
  });

  it('reports every duplicate key at the repeated key, naming it', () => {
    const text = ['apiVersion: stepwise/v1', 'name: a', 'name: b', 'steps:', '  - id: x', '    id: y', ''].join('\n');
    expect(located(parseRunbookText(FILE, text))).toEqual([
      '3:1 duplicate key "name": a key may appear once in a mapping',
      '6:5 duplicate key "id": a key may appear once in a mapping',
    ]);
  });

  it('explains tab indentation instead of quoting the parser', () => {
    expect(located(parseRunbookText(FILE, 'steps:\n\t- id: a\n'))).toEqual(['2:1 tab character used for indentation; YAML indents with spaces only']);
  });

  it('locates a syntax error and says it is one', () => {
    const [diagnostic, ...rest] = diagnosticsOf(parseRunbookText(FILE, 'a:\n  b: 1\n c: 2\n'));
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({ file: FILE, line: 3, severity: 'error' });
    expect(diagnostic!.message).toMatch(/^YAML syntax error: /);
  });

  it.each([
    ['an empty file', '', 'this is an empty document'],
    ['a comment only', '# nothing yet\n', 'this is an empty document'],
    ['a scalar', 'just some text\n', 'this is not a mapping'],
    ['a list', '- id: a\n- id: b\n', 'this is not a mapping'],
  ])('refuses %s: a runbook is a mapping', (_, text, what) => {
    const [diagnostic] = diagnosticsOf(parseRunbookText(FILE, text));
    expect(diagnostic!.message).toContain('a runbook is a mapping of keys');
    expect(diagnostic!.message).toContain(what);
    expect(diagnostic).toMatchObject({ line: 1, col: 1 });
  });

  it('resolves a few aliases', () => {
    const result = parseRunbookText(FILE, 'defaults: &retry { maxAttempts: 3 }\nsteps:\n  - { id: a, retry: *retry }\n  - { id: b, retry: *retry }\n');
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.source.value).toMatchObject({ steps: [{ retry: { maxAttempts: 3 } }, { retry: { maxAttempts: 3 } }] });
  });

  it('refuses a document with more than 100 aliases (a billion-laughs guard) without expanding it', () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `k${i}: *a`).join('\n');
    const [diagnostic, ...rest] = diagnosticsOf(parseRunbookText(FILE, `a: &a [x, x, x]\n${aliases}\n`));
    expect(rest).toEqual([]);
    expect(diagnostic!.message).toBe('more than 100 YAML aliases: refused as a resource exhaustion risk');
  });

  it('refuses a file holding several YAML documents', () => {
    const [diagnostic] = diagnosticsOf(parseRunbookText(FILE, 'name: a\n---\nname: b\n'));
    expect(diagnostic).toMatchObject({ line: 2, severity: 'error' });
  });
});
