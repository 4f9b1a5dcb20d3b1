import { StepFailure } from '../../engine/step-failure.js';

const WORD_SEPARATORS = new Set([' ', '\t', '\n']);

/** Characters a shell acts on when they stand unquoted, with what it would make of them. */
const SHELL_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['|', 'a pipe'],
  ['&', 'a background or `&&` operator'],
  [';', 'a command separator'],
  ['<', 'a redirection'],
  ['>', 'a redirection'],
  ['(', 'a subshell'],
  [')', 'a subshell'],
  ['`', 'a command substitution'],
]);

/** `$name`, `${...}`, `$(...)` and `$1`: what a shell would expand, outside single quotes. */
const EXPANSION_START = /^\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9{(])/;

const SHELL_FEATURE_ADVICE =
  'stepwise splits a string command into words without running a shell: quote the character to pass it ' +
  'literally, give the command as an argv list, or set `shell: true` to run it through /bin/sh.';
const SYNTAX_ADVICE = 'Close the quote or escape the character, or give the command as an argv list.';

/**
 * Splits a command line into argv the way /bin/sh splits words, without running a shell:
 * whitespace separates words, single quotes keep everything literally, inside double quotes a
 * backslash escapes only `"`, `\`, `$` and `` ` ``, and outside quotes it escapes any
 * character. Operators, substitutions and variables are refused rather than passed on as
 * literal words, because the operator who wrote them expects a shell to act on them.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  // undefined between words, so that `''` still makes an (empty) word
  let word: string | undefined;
  let at = 0;

  function refuse(position: number, problem: string, advice = SHELL_FEATURE_ADVICE): never {
    throw new StepFailure(`command ${JSON.stringify(line)}: ${problem} at column ${position + 1}. ${advice}`, {
      code: 'invalid-command',
      retryable: false,
    });
  }
  function refuseExpansion(position: number): void {
    const expansion = EXPANSION_START.exec(line.slice(position));
    if (expansion) refuse(position, `\`${expansion[0]}\` would be expanded by a shell`);
  }

  while (at < line.length) {
    const char = line[at]!;
    if (WORD_SEPARATORS.has(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      at += 1;
    } else if (char === "'") {
      const close = line.indexOf("'", at + 1);
      if (close < 0) refuse(at, "unbalanced single quote (no closing `'`)", SYNTAX_ADVICE);
      word = (word ?? '') + line.slice(at + 1, close);
      at = close + 1;
    } else if (char === '"') {
      const opening = at;
      word ??= '';
      at += 1;
      for (;;) {
        if (at >= line.length) refuse(opening, 'unbalanced double quote (no closing `"`)', SYNTAX_ADVICE);
        const inner = line[at]!;
        if (inner === '"') break;
        if (inner === '\\') {
          const escaped = line[at + 1];
          if (escaped === '\n') {
            at += 2;
          } else if (escaped !== undefined && '"\\$`'.includes(escaped)) {
            word += escaped;
            at += 2;
          } else {
            word += inner;
            at += 1;
          }
          continue;
        }
        if (inner === '`') refuse(at, `\`\`\` would be ${SHELL_OPERATORS.get('`')} in a shell`);
        if (inner === '$') refuseExpansion(at);
        word += inner;
        at += 1;
      }
      at += 1;
    } else if (char === '\\') {
      const escaped = line[at + 1];
      if (escaped === undefined) refuse(at, 'a backslash ends the command with nothing to escape', SYNTAX_ADVICE);
      if (escaped !== '\n') word = (word ?? '') + escaped;
      at += 2;
    } else {
      const meaning = SHELL_OPERATORS.get(char);
      if (meaning) refuse(at, `\`${char}\` would be ${meaning} in a shell`);
      if (char === '$') refuseExpansion(at);
      word = (word ?? '') + char;
      at += 1;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const NEEDS_NO_QUOTES = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The argv as one line an operator could paste into a shell and get the same words. */
export function quoteCommandLine(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  if (NEEDS_NO_QUOTES.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
