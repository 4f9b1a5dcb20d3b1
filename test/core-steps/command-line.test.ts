import { describe, expect, it } from 'vitest';
import { StepFailure } from '../../engine/step-failure.js';
import { resolveStepInput } from '../../engine/expressions/resolve-step-input.js';
import { findExpressions } from '../../engine/expressions/template.js';
import { Unknown } from '../../engine/expressions/unknown.js';
import type { JsonObject, JsonValue } from '../../engine/json.js';
import { quoteCommandLine, splitCommandLine, splitCommandTemplate } from '../../steps/core/command-line.js';
import { builtInRegistry } from '../../engine/cli/builtins.js';

describe('splitCommandLine', () => {
  it.each([
    ['aws --version', ['aws', '--version']],
    ['  spaced \t out\n words  ', ['spaced', 'out', 'words']],
    [`echo 'single $HOME; | "x"'`, ['echo', 'single $HOME; | "x"']],
    [`echo "double 'x' \\"y\\" \\\\ \\$HOME \\n"`, ['echo', `double 'x' "y" \\ $HOME \\n`]],
    ['echo a\\ b \\; c\\\\d', ['echo', 'a b', ';', 'c\\d']],
    [`echo '' "" x`, ['echo', '', '', 'x']],
    [`echo a'b'"c"d`, ['echo', 'abcd']],
    ['echo one \\\ntwo', ['echo', 'one', 'two']],
    ['clojure -M:ion-dev "{:op :push}"', ['clojure', '-M:ion-dev', '{:op :push}']],
    ['echo $ 100% #tag ~/x *.txt', ['echo', '$', '100%', '#tag', '~/x', '*.txt']],
    ['', []],
  ])('splits %j', (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  it.each([
    [`echo 'open`, 'unbalanced single quote', 6],
    [`echo "open \\"`, 'unbalanced double quote', 6],
    ['echo trailing\\', 'a backslash ends the command', 14],
    ['make && deploy', '`&` would be', 6],
    ['cat < in', '`<` would be a redirection', 5],
    ['echo $(id)', '`$(` would be expanded', 6],
    ['echo "$HOME"', '`$HOME` would be expanded', 7],
    ['echo ${x}', '`${` would be expanded', 6],
    ['echo $1', '`$1` would be expanded', 6],
    ['echo `id`', 'command substitution', 6],
    ['echo "`id`"', 'command substitution', 7],
  ])('refuses %j', (line, problem, column) => {
    let failure: unknown;
    try {
      splitCommandLine(line);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(StepFailure);
    expect(failure).toMatchObject({ code: 'invalid-command', retryable: false });
    expect((failure as Error).message).toContain(problem);
    expect((failure as Error).message).toContain(`at column ${column}.`);
  });
});

describe('quoteCommandLine', () => {
  const argvs = [
    ['aws', 's3', 'ls', 's3://bucket/key=1,2@x:y%z+w'],
    ['printf', '%s', `a;b $(rm -rf /) "c" it's`],
    ['echo', '', ' ', 'tab\there', 'new\nline', '\\', '*', '#', '~'],
  ];

  it.each(argvs)('quotes %j so that splitting gives it back', (...argv) => {
    expect(splitCommandLine(quoteCommandLine(argv))).toEqual(argv);
  });

  it('leaves plain words unquoted', () => {
    expect(quoteCommandLine(['aws', 'cloudformation', 'describe-stacks', '--stack-name', 'prod-compute'])).toBe(
      'aws cloudformation describe-stacks --stack-name prod-compute',
    );
  });
});

describe('splitCommandTemplate', () => {
  const split = (line: string) => splitCommandTemplate(line, findExpressions(line));

  it.each([
    ['echo ${{ params.a }}', [[{ text: 'echo' }], [{ expression: 'params.a' }]]],
    [`echo "hi \${{ params.a }}!" x\${{ params.b }}y`, [[{ text: 'echo' }], [{ text: 'hi ' }, { expression: 'params.a' }, { text: '!' }], [{ text: 'x' }, { expression: 'params.b' }, { text: 'y' }]]],
    [`echo '\${{ params.a }}' ""\${{ params.b }}`, [[{ text: 'echo' }], [{ text: '' }, { expression: 'params.a' }], [{ text: '' }, { expression: 'params.b' }]]],
    [`echo \${{ join(' | ', params.list) }} \${{ params.a || 'it''s' }}`, [[{ text: 'echo' }], [{ expression: "join(' | ', params.list)" }], [{ expression: "params.a || 'it''s'" }]]],
  ])('keeps each expression inside the word it stands in: %j', (line, words) => {
    expect(split(line)).toEqual(words);
  });

  it('refuses a backslash before an expression, naming the column', () => {
    expect(() => split('echo \\${{ params.a }}')).toThrow(/a backslash before `\$\{\{` escapes nothing \(.*\) at column 6\./);
  });

  it('still refuses shell syntax written around the expressions', () => {
    expect(() => split('echo ${{ params.a }} | wc')).toThrow(/`\|` would be a pipe in a shell at column 22\./);
  });
});

/** As the engine holds it: a step's input is JSON until the step's own schema has checked it. */
const shell = await builtInRegistry().load('shell');

describe('shell input with expressions in a string command', () => {
  const scope = (params: JsonObject, unknownSteps = new Map<string, Unknown>()) => ({ data: { params }, unknownSteps });
  const resolve = (input: JsonObject, params: JsonObject) => resolveStepInput(shell, input, scope(params));

  it.each([
    [`a b" --flag "c $(touch x) 'd'`],
    ['  spaced\ttab\nnewline  '],
    [''],
    ['$HOME `id` ; rm -rf ~ & | > <'],
  ])('makes a value one literal argument: %j', (value) => {
    expect(resolve({ command: 'printf %s ${{ params.value }}', effect: 'read' }, { value })).toEqual({ command: ['printf', '%s', value], effect: 'read' });
  });

  it('joins a value with the text around it into one word, as text', () => {
    expect(resolve({ command: '"--count=${{ params.n }}" -v${{ params.flags }}' }, { n: 3, flags: ['a', 'b'] })).toEqual({ command: ['--count=3', '-v["a","b"]'] });
  });

  it('leaves a command without expressions, a list and a shell script as they are written', () => {
    const params: JsonObject = { value: 'x y' };
    expect(resolve({ command: 'echo "a b"' }, params)).toEqual({ command: 'echo "a b"' });
    expect(resolve({ command: ['echo', '${{ params.value }}'] }, params)).toEqual({ command: ['echo', 'x y'] });
    expect(resolve({ command: ['echo "$1" | wc', '${{ params.value }}'], shell: true }, params)).toEqual({ command: ['echo "$1" | wc', 'x y'], shell: true });
  });

  it('refuses a ${{ }} inside a shell script, where its value would become shell code', () => {
    for (const command of ['echo ${{ params.value }} | wc', ['echo ${{ params.value }} "$1"', 'x']]) {
      expect(() => resolve({ command, shell: true }, { value: '$(reboot)' })).toThrow(/inside a `shell: true` script would become shell code/);
    }
  });

  it('shows a word that depends on a step a dry-run did not run as unknown', () => {
    const resolved = resolveStepInput(shell, { command: 'echo ${{ steps.create.outputs.id }} done' }, scope({}, new Map([['create', new Unknown(['create'])]]))) as { command: JsonValue[] };
    expect(resolved.command).toEqual(['echo', new Unknown(['create']), 'done']);
  });
});
