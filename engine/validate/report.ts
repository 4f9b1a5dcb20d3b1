import type { DocPath, SourceMap } from '../load/source-map.js';
import type { Diagnostic, Rule } from './diagnostic.js';

/** Collects every problem of one file, located; checks call it instead of throwing. */
export class Report {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    private readonly map: SourceMap,
  ) {}

  at(path: DocPath, rule: Rule, message: string, atKey = false, severity: Diagnostic['severity'] = 'error'): void {
    const position = atKey ? this.map.keyAt(path) : this.map.valueAt(path);
    this.push({ file: this.file, ...position, message, severity, rule });
  }

  /** A problem found in another file this one loads (a plugin's source), located there. */
  inFile(file: string, line: number, col: number, rule: Rule, message: string): void {
    this.push({ file, line, col, message, severity: 'error', rule });
  }

  /** A problem inside a string value (an expression), `offset` characters into it. */
  inString(path: DocPath, offset: number, rule: Rule, message: string): void {
    const position = this.map.positionInString(path, offset) ?? this.map.valueAt(path);
    this.push({ file: this.file, ...position, message, severity: 'error', rule });
  }

  /** The source text of a scalar value, for messages that quote what the author wrote. */
  written(path: DocPath): string | undefined {
    return this.map.writtenAt(path);
  }

  warn(path: DocPath, rule: Rule, message: string): void {
    this.at(path, rule, message, false, 'warning');
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }

  private push(diagnostic: Diagnostic): void {
    const duplicate = this.diagnostics.some((d) => d.line === diagnostic.line && d.col === diagnostic.col && d.message === diagnostic.message);
    if (!duplicate) this.diagnostics.push(diagnostic);
  }
}
