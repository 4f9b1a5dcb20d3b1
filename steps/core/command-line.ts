import type { Resolved } from '../../engine/expressions/evaluate.js';
import type { JsonObject, JsonValue } from '../../engine/json.js';
import type { ExpressionSpan, InputInspector, InputProblem, InputResolver, TemplatePiece } from '../../engine/step-definition.js';
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
  return splitCommandTemplate(line, []).map((word) => word.map((piece) => ('text' in piece ? piece.text : '')).join(''));
}

/**
 * Splits a command line that holds `${{ }}` expressions into words, each a list of literal
 * text and expressions. An expression is never read as command-line syntax, quoted or not:
 * its value, whatever quotes or spaces it holds, becomes part of the one word it stands in.
 */
export function splitCommandTemplate(line: string, expressions: readonly ExpressionSpan[]): TemplatePiece[][] {
  return new WordScanner(line, expressions).scan();
}

class WordScanner {
  private readonly words: TemplatePiece[][] = [];
  // undefined between words, so that `''` still makes an (empty) word
  private word: TemplatePiece[] | undefined;
  private at = 0;
  private readonly expressionAt: ReadonlyMap<number, ExpressionSpan>;

  constructor(
    private readonly line: string,
    expressions: readonly ExpressionSpan[],
  ) {
    this.expressionAt = new Map(expressions.map((span) => [span.start, span]));
  }

  scan(): TemplatePiece[][] {
    while (this.at < this.line.length) {
      if (this.takeExpression()) continue;
      const char = this.line[this.at]!;
      if (WORD_SEPARATORS.has(char)) this.separator();
      else if (char === "'") this.singleQuoted();
      else if (char === '"') this.doubleQuoted();
      else if (char === '\\') this.escaped();
      else this.bare(char);
    }
    this.endWord();
    return this.words;
  }

  private separator(): void {
    this.endWord();
    this.at += 1;
  }

  private endWord(): void {
    if (this.word !== undefined) this.words.push(this.word);
    this.word = undefined;
  }

  private singleQuoted(): void {
    const opening = this.at;
    this.addText('');
    this.at += 1;
    for (;;) {
      if (this.at >= this.line.length) this.refuse(opening, "unbalanced single quote (no closing `'`)", SYNTAX_ADVICE);
      if (this.takeExpression()) continue;
      if (this.line[this.at] === "'") break;
      this.addText(this.line[this.at]!);
      this.at += 1;
    }
    this.at += 1;
  }

  private doubleQuoted(): void {
    const opening = this.at;
    this.addText('');
    this.at += 1;
    for (;;) {
      if (this.at >= this.line.length) this.refuse(opening, 'unbalanced double quote (no closing `"`)', SYNTAX_ADVICE);
      if (this.takeExpression()) continue;
      const inner = this.line[this.at]!;
      if (inner === '"') break;
      if (inner === '\\') this.escapedInDoubleQuotes();
      else {
        if (inner === '`') this.refuse(this.at, `\`\`\` would be ${SHELL_OPERATORS.get('`')} in a shell`);
        if (inner === '$') this.refuseExpansion();
        this.addText(inner);
        this.at += 1;
      }
    }
    this.at += 1;
  }

  /** Inside double quotes a backslash escapes only `"`, `\`, `$` and `` ` ``, and a newline. */
  private escapedInDoubleQuotes(): void {
    const escaped = this.escapedCharacter();
    if (escaped === '\n') {
      this.at += 2;
    } else if (escaped !== undefined && '"\\$`'.includes(escaped)) {
      this.addText(escaped);
      this.at += 2;
    } else {
      this.addText('\\');
      this.at += 1;
    }
  }

  private escaped(): void {
    const escaped = this.escapedCharacter();
    if (escaped === undefined) this.refuse(this.at, 'a backslash ends the command with nothing to escape', SYNTAX_ADVICE);
    if (escaped !== '\n') this.addText(escaped);
    this.at += 2;
  }

  private bare(char: string): void {
    const meaning = SHELL_OPERATORS.get(char);
    if (meaning) this.refuse(this.at, `\`${char}\` would be ${meaning} in a shell`);
    if (char === '$') this.refuseExpansion();
    this.addText(char);
    this.at += 1;
  }

  /** Takes the expression that starts where the scan stands, if one does. */
  private takeExpression(): boolean {
    const span = this.expressionAt.get(this.at);
    if (!span) return false;
    (this.word ??= []).push({ expression: span.expression });
    this.at = span.end;
    return true;
  }

  private escapedCharacter(): string | undefined {
    if (this.expressionAt.has(this.at + 1)) {
      this.refuse(this.at, 'a backslash before `${{` escapes nothing (the value of an expression is always passed literally)', SYNTAX_ADVICE);
    }
    return this.line[this.at + 1];
  }

  private addText(text: string): void {
    this.word ??= [];
    const last = this.word.at(-1);
    if (last && 'text' in last) last.text += text;
    else this.word.push({ text });
  }

  private refuseExpansion(): void {
    const expansion = EXPANSION_START.exec(this.line.slice(this.at));
    if (expansion) this.refuse(this.at, `\`${expansion[0]}\` would be expanded by a shell`);
  }

  private refuse(position: number, problem: string, advice = SHELL_FEATURE_ADVICE): never {
    throw new CommandLineRefusal(this.line, position, problem, advice);
  }
}

/** A command line stepwise will not split into words, with where in it the reason stands. */
class CommandLineRefusal extends StepFailure {
  constructor(
    line: string,
    /** Characters into the line. */
    readonly position: number,
    readonly problem: string,
    /** What to write instead. */
    readonly advice: string,
  ) {
    super(`command ${JSON.stringify(line)}: ${problem} at column ${position + 1}. ${advice}`, { code: 'invalid-command', retryable: false });
  }
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

/**
 * `resolveInput` of a step whose `command` is an argv list or a command line. A command line
 * that holds `${{ }}` is split into words before anything is resolved, then each expression's
 * value goes into its word as literal text: values are data, never command-line syntax. The
 * words become an argv list. With `shell: true` the string is a script, resolved in place.
 */
export function resolveCommandInput(input: JsonObject, resolver: InputResolver): Resolved {
  const { command, ...others } = input;
  const resolved = resolveEach(others, resolver);
  const isScript = resolved.shell !== undefined && resolved.shell !== null && resolved.shell !== false;
  if (isScript) refuseExpressionsInScript(Array.isArray(command) ? command[0] : command, resolver);
  if (typeof command !== 'string' || isScript) return { ...resolved, command: resolver.resolve(command ?? null) };
  const expressions = resolver.expressions(command);
  if (expressions.length === 0) return { ...resolved, command };
  return { ...resolved, command: splitCommandTemplate(command, expressions).map((word) => resolver.text(word)) };
}

const EXPRESSION_IN_SCRIPT =
  'a ${{ }} inside a `shell: true` script would become shell code: give the command as a list, the script first and each value after it, and read the values as "$1", "$2", ... (or pass them through `env`)';

/** A value spliced into a script would be read as shell code, so it must travel as an argument. */
function refuseExpressionsInScript(script: JsonValue | undefined, resolver: InputResolver): void {
  if (typeof script !== 'string' || resolver.expressions(script).length === 0) return;
  throw new StepFailure(EXPRESSION_IN_SCRIPT, { code: 'invalid-input', retryable: false });
}

/**
 * `checkInput` of a step whose `command` is an argv list or a command line: what
 * `resolveCommandInput` and the splitting of a command line would refuse at run time, whatever
 * the values of its expressions, since a value never takes part in the command line's syntax.
 * A `shell` decided by an expression is known only at run time.
 */
export function checkCommandInput(input: JsonObject, inspect: InputInspector): InputProblem[] {
  const { command, shell } = input;
  if (shell === true) {
    const [script, path] = Array.isArray(command) ? [command[0], ['command', 0]] : [command, ['command']];
    const first = typeof script === 'string' ? inspect.expressions(script)[0] : undefined;
    return first ? [{ path, offset: first.start, message: EXPRESSION_IN_SCRIPT }] : [];
  }
  if (typeof command !== 'string' || (shell !== undefined && shell !== false)) return [];
  try {
    const words = splitCommandTemplate(command, inspect.expressions(command));
    return words.length === 0 ? [{ path: ['command'], message: `command ${JSON.stringify(command)} holds no program to run` }] : [];
  } catch (error) {
    if (!(error instanceof CommandLineRefusal)) throw error;
    return [{ path: ['command'], offset: error.position, message: `${error.problem}. ${error.advice}` }];
  }
}

function resolveEach(input: JsonObject, resolver: InputResolver): Record<string, Resolved> {
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [key, resolver.resolve(value)]));
}
