/** Where an offset lies, 1-based, counting a tab or any character as one column. */
export function locate(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  return { line, column: [...before.slice(lineStart)].length + 1 };
}

export function formatPosition(text: string, offset: number): string {
  const { line, column } = locate(text, offset);
  return `${line}:${column}`;
}

/** The file's own line ending, so that a CRLF file stays CRLF. */
export function detectLineEnding(text: string): '\r\n' | '\n' {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

/** The start of the line that holds `offset`. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/**
 * Whitespace that reaches the column of `offset`: tabs are kept so that tab-indented files
 * stay aligned, anything else becomes a space.
 */
export function alignmentPrefix(text: string, offset: number): string {
  return alignmentOf(text.slice(lineStart(text, offset), offset));
}

/** Whitespace as wide as the last line of `written`. */
export function alignmentOf(written: string): string {
  const lastLine = written.slice(written.lastIndexOf('\n') + 1);
  return [...lastLine].map((char) => (char === '\t' ? '\t' : ' ')).join('');
}

/** Text cut out of a larger source, with what re-indenting it needs to know. */
export interface Snippet {
  readonly text: string;
  /** How many characters the snippet's first line was indented by in its source. */
  readonly originColumn: number;
  /** String literals inside the snippet (relative offsets): their lines are never touched. */
  readonly stringRanges: ReadonlyArray<readonly [number, number]>;
}

export function cutSnippet(source: string, from: number, to: number, stringRanges: ReadonlyArray<readonly [number, number]>): Snippet {
  return {
    text: source.slice(from, to),
    originColumn: from - lineStart(source, from),
    stringRanges: stringRanges.map(([start, end]) => [start - from, end - from] as const),
  };
}

/**
 * The snippet placed where a line already reads `indent` wide: its continuation lines keep
 * their indentation relative to its first line, and use the target's line ending.
 */
export function placeSnippet(snippet: Snippet, indent: string, lineEnding: string): string {
  const lines = splitOutsideStrings(snippet);
  return lines
    .map((line, index) => {
      if (index === 0) return line;
      const kept = stripIndent(line, snippet.originColumn);
      return kept === '' ? '' : indent + kept;
    })
    .join(lineEnding);
}

/** Splits at line endings, except those inside string literals, which belong to the string. */
export function splitOutsideStrings(snippet: Snippet): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let index = snippet.text.indexOf('\n'); index !== -1; index = snippet.text.indexOf('\n', index + 1)) {
    if (snippet.stringRanges.some(([from, to]) => index > from && index < to)) continue;
    const end = snippet.text[index - 1] === '\r' ? index - 1 : index;
    lines.push(snippet.text.slice(start, end));
    start = index + 1;
  }
  lines.push(snippet.text.slice(start));
  return lines;
}

function stripIndent(line: string, width: number): string {
  let index = 0;
  while (index < width && (line[index] === ' ' || line[index] === '\t')) index += 1;
  return line.slice(index);
}
