import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { Diagnostic, Rule } from '../validate/diagnostic.js';
import { findAliasProblem } from './check-aliases.js';
import { SourceMap, type ParsedYaml } from './source-map.js';

export interface RunbookSource {
  file: string;
  text: string;
  value: unknown;
  map: SourceMap;
}

export type ReadResult = { ok: true; source: RunbookSource } | { ok: false; diagnostics: Diagnostic[] };

export async function readRunbookFile(file: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, diagnostics: [fileError(file, describeFsError(error))] };
  }
  return parseRunbookText(file, text);
}

export function parseRunbookText(file: string, text: string): ReadResult {
  const parsed = parseYaml(text);
  const { doc } = parsed;
  const map = new SourceMap(() => parsed, text);
  const syntax = meaningfulErrors([...doc.errors, ...doc.warnings]).map((error) => yamlDiagnostic(file, text, map, error));
  if (syntax.length > 0) return { ok: false, diagnostics: syntax };
  if (!isMap(doc.contents)) {
    // where the content starts, past any comment lines above it
    return { ok: false, diagnostics: [{ file, ...map.valueAt([]), message: `a runbook is a mapping of keys (apiVersion, name, steps, ...); this is ${describeContents(doc.contents)}`, severity: 'error', rule: 'not-a-mapping' }] };
  }
  const aliasProblem = findAliasProblem(doc);
  if (aliasProblem) return { ok: false, diagnostics: [{ file, ...map.at(aliasProblem.offset), message: aliasProblem.message, severity: 'error', rule: 'yaml-alias' }] };
  // findAliasProblem has bounded what aliases expand to, more precisely than yaml's own count
  return { ok: true, source: { file, text, value: doc.toJS({ maxAliasCount: -1 }), map } };
}

/** How every runbook's text is parsed, so that a position found later is where this parse put it. */
export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false }), lines };
}

function describeContents(contents: unknown): string {
  if (contents === null) return 'an empty document';
  if (isSeq(contents)) return 'not a mapping but a list';
  return 'not a mapping but a single value';
}

/**
 * A syntax error throws the parser off, and what it reports after it is mostly noise; a
 * duplicate key before it is a mistake of its own.
 */
function meaningfulErrors(errors: YAMLError[]): YAMLError[] {
  const inOrder = [...errors].sort((a, b) => a.pos[0] - b.pos[0]);
  const firstSyntaxError = inOrder.findIndex((error) => error.code !== 'DUPLICATE_KEY');
  return firstSyntaxError < 0 ? inOrder : inOrder.slice(0, firstSyntaxError + 1);
}

function yamlDiagnostic(file: string, text: string, map: SourceMap, error: YAMLError): Diagnostic {
  const message = describeYamlError(error, text, error.pos[0]);
  return { file, ...map.at(error.pos[0]), message, severity: 'error', rule: yamlRule(error) };
}

function yamlRule(error: YAMLError): Rule {
  if (error.code === 'DUPLICATE_KEY') return 'duplicate-key';
  if (error.code === 'MULTIPLE_DOCS') return 'multiple-documents';
  return 'yaml-syntax';
}

function describeYamlError(error: YAMLError, text: string, offset: number): string {
  const first = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (error.code) {
    case 'DUPLICATE_KEY':
      return `duplicate key "${keyText(text.slice(offset))}": a key may appear once in a mapping`;
    case 'TAB_AS_INDENT':
      return 'tab character used for indentation; YAML indents with spaces only';
    case 'MULTIPLE_DOCS':
      return 'a second YAML document starts here: a runbook file holds one document, so remove this "---" line and what follows or move it to its own file';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return `YAML syntax error: ${first}; a value that contains ": " must be put in quotes`;
    default:
      if (insideUnquotedExpression(text, offset)) return `YAML syntax error: ${first}; inside [ ] or { }, a value holding \${{ }} must be put in quotes`;
      if (endsPlainValue(error, text, offset)) return `YAML syntax error: unexpected "${text.charAt(offset)}"; inside [ ] or { }, a value containing [ ] { } or , must be put in quotes`;
      return `YAML syntax error: ${first}`;
  }
}

/** `{ from: Stacks[0].Id }`: inside a flow collection, a bracket ends a plain value. */
function endsPlainValue(error: YAMLError, text: string, offset: number): boolean {
  return error.code === 'UNEXPECTED_TOKEN' && error.message.includes('at node end') && '[]{}'.includes(text.charAt(offset));
}

/** `[echo, ${{ x }}]`: YAML reads the braces of an unquoted expression as a flow mapping. */
function insideUnquotedExpression(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const open = text.lastIndexOf('${{', offset);
  if (open < lineStart) return false;
  const before = text.slice(lineStart, open).replace(/\\./g, '');
  const quoted = (before.split('"').length - 1) % 2 === 1 || (before.split("'").length - 1) % 2 === 1;
  const close = text.indexOf('}}', open);
  return !quoted && (close < 0 || offset <= close + 2);
}

function keyText(source: string): string {
  return (/^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(source)?.[1] ?? '').trim().replace(/^["']|["']$/g, '');
}

function fileError(file: string, message: string): Diagnostic {
  return { file, line: 0, col: 0, message, severity: 'error', rule: 'unreadable-file' };
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a runbook file';
  if (code === 'EACCES') return 'permission denied reading the file';
  return `cannot read the file: ${(error as Error).message}`;
}
