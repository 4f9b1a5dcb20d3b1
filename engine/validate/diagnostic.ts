/**
 * The rule each diagnostic names, as actionlint's do: stable ids an author can look up in
 * docs/errors.md (a test holds the two lists together) and a tool can match on in `--json`.
 */
export const RULES = [
  'unreadable-file',
  'yaml-syntax',
  'duplicate-key',
  'multiple-documents',
  'not-a-mapping',
  'yaml-alias',
  'unknown-key',
  'missing-key',
  'wrong-type',
  'not-allowed',
  'bad-format',
  'out-of-range',
  'no-alternative-fits',
  'invalid-value',
  'unknown-api-version',
  'version-not-semver',
  'requires-range',
  'requires-unmet',
  'duplicate-step-id',
  'skip-reason-without-if',
  'unknown-step-type',
  'step-input',
  'step-check-crashed',
  'plugin-load',
  'expression-syntax',
  'unknown-name',
  'item-outside-for-each',
  'undeclared-param',
  'unknown-function',
  'step-reference',
  'unknown-output',
  'for-each-not-list',
  'selector-syntax',
  'runbook-path-expression',
  'runbook-cycle',
  'sub-runbook-invalid',
  'sub-runbook-params',
  'param-schema',
  'unchanged-version',
] as const;

export type Rule = (typeof RULES)[number];

/** One thing wrong with an input, located in its source. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  severity: 'error' | 'warning';
  rule: Rule;
}

/** `file:line:col: message [rule]`, the rule last as actionlint prints it. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const message = `${d.message} [${d.rule}]`;
  return d.severity === 'warning' ? `${where}: warning: ${message}` : `${where}: ${message}`;
}

/** Source order, so an author fixes the file top to bottom. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/** A diagnostic as `--json` gives it; a problem with the file as a whole has no line or column. */
export interface DiagnosticJson {
  file: string;
  line: number | null;
  column: number | null;
  message: string;
  severity: Diagnostic['severity'];
  rule: Rule;
}

export function diagnosticJson(d: Diagnostic): DiagnosticJson {
  const located = d.line > 0;
  return { file: d.file, line: located ? d.line : null, column: located ? d.col : null, message: d.message, severity: d.severity, rule: d.rule };
}
