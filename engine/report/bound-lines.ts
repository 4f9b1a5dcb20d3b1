/** A minified JSON document on one line would flood the terminal and the journal. */
export const MAX_SHOWN_LINE_LENGTH = 500;

/**
 * Cuts each line of a text to MAX_SHOWN_LINE_LENGTH characters. Only ever given redacted
 * text: cut first, a line would show the first characters of a secret it ended in.
 */
export function boundLines(text: string): string {
  if (text.length <= MAX_SHOWN_LINE_LENGTH) return text;
  return text
    .split('\n')
    .map((line) => (line.length > MAX_SHOWN_LINE_LENGTH ? `${line.slice(0, MAX_SHOWN_LINE_LENGTH)}…` : line))
    .join('\n');
}
