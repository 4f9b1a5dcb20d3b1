/**
 * Markdown pieces for pages that carry values from the outside world (params, outputs, error
 * messages): whatever a value holds, it stays inside its cell, span or block.
 */

/** A table cell: `|` would end the cell and a backtick open a code span; a new line would end the row. */
function tableCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/</g, '&lt;')
    .replace(/\r?\n/g, '<br>');
}

export function table(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map(tableCell).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)];
}

/** Text outside tables, on one line: characters that Markdown would read as markup are escaped. */
export function plainText(text: string): string {
  return text.replace(/[\\`*_[\]<>#|]/g, (character) => `\\${character}`).replace(/\r?\n/g, ' ');
}

/** A code span that holds any text: its fence is longer than any run of backticks inside. */
export function inlineCode(text: string): string {
  const fence = '`'.repeat(longestBacktickRun(text) + 1);
  const padded = text.startsWith('`') || text.endsWith('`') ? ` ${text} ` : text;
  return `${fence}${padded.replace(/\r?\n/g, ' ')}${fence}`;
}

/** A fenced block that holds any text, however many backticks it has. */
export function codeBlock(text: string, language = ''): string[] {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1));
  return [`${fence}${language}`, ...text.replace(/\n$/, '').split('\n'), fence];
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
