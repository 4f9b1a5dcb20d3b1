import { describe, expect, it } from 'vitest';
import { StepFailure } from '../../engine/step-failure.js';
import { quoteCommandLine, splitCommandLine } from '../../steps/core/command-line.js';

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
