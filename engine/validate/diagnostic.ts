/** One thing wrong with an input, located in its source. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  severity: 'error' | 'warning';
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  return d.severity === 'warning' ? `${where}: warning: ${d.message}` : `${where}: ${d.message}`;
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
}

export function diagnosticJson(d: Diagnostic): DiagnosticJson {
  const located = d.line > 0;
  return { file: d.file, line: located ? d.line : null, column: located ? d.col : null, message: d.message, severity: d.severity };
}
