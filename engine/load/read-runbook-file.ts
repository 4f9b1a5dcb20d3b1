import { readFile } from 'node:fs/promises';
import { isMap, LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import type { Diagnostic } from '../validate/diagnostic.js';
import { SourceMap } from './source-map.js';

export interface RunbookSource {
  file: string;
  text: string;
  value: unknown;
  map: SourceMap;
}

export type ReadResult = { ok: true; source: RunbookSource } | { ok: false; diagnostics: Diagnostic[] };

const MAX_ALIASES = 100;

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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
  const map = new SourceMap(doc, lines);
  const syntax = [...doc.errors, ...doc.warnings].map((error) => yamlDiagnostic(file, text, map, error));
  if (syntax.length > 0) return { ok: false, diagnostics: syntax };
  if (!isMap(doc.contents)) {
    const what = doc.contents === null ? 'an empty document' : 'not a mapping';
    return { ok: false, diagnostics: [{ file, ...map.at(0), message: `a runbook is a mapping of keys (apiVersion, name, steps, ...); this is ${what}`, severity: 'error' }] };
  }
  const tooManyAliases = countAliases(doc) > MAX_ALIASES;
  if (tooManyAliases) {
    return { ok: false, diagnostics: [{ file, ...map.at(0), message: `more than ${MAX_ALIASES} YAML aliases: refused as a resource exhaustion risk`, severity: 'error' }] };
  }
  try {
    return { ok: true, source: { file, text, value: doc.toJS({ maxAliasCount: MAX_ALIASES }), map } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, diagnostics: [{ file, ...map.at(0), message: `YAML error: ${message}`, severity: 'error' }] };
  }
}

function countAliases(doc: ReturnType<typeof parseDocument>): number {
  let count = 0;
  visit(doc, { Alias: () => void count++ });
  return count;
}

function yamlDiagnostic(file: string, text: string, map: SourceMap, error: YAMLError): Diagnostic {
  const message = describeYamlError(error, text.slice(error.pos[0]));
  return { file, ...map.at(error.pos[0]), message, severity: 'error' };
}

function describeYamlError(error: YAMLError, source: string): string {
  const first = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (error.code) {
    case 'DUPLICATE_KEY':
      return `duplicate key "${keyText(source)}": a key may appear once in a mapping`;
    case 'TAB_AS_INDENT':
      return 'tab character used for indentation; YAML indents with spaces only';
    default:
      return `YAML syntax error: ${first}`;
  }
}

function keyText(source: string): string {
  return (/^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(source)?.[1] ?? '').trim().replace(/^["']|["']$/g, '');
}

function fileError(file: string, message: string): Diagnostic {
  return { file, line: 0, col: 0, message, severity: 'error' };
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a runbook file';
  if (code === 'EACCES') return 'permission denied reading the file';
  return `cannot read the file: ${(error as Error).message}`;
}
