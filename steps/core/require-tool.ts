import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { defineStep } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { checkCommandInput, quoteCommandLine, resolveCommandInput, splitCommandLine } from './command-line.js';
import { runProcess } from './run-process.js';

export interface RequireToolInput {
  command: string | string[];
  minVersion?: string;
  pattern?: string;
  install?: string;
  name?: string;
}

const DEFAULT_VERSION_PATTERN = '\\d+(?:\\.\\d+)+';
const VERSION_NUMBERS = /\d+(?:\.\d+)*/;
const SHOWN_OUTPUT_LINES = 5;

export default defineStep<RequireToolInput>({
  type: 'require-tool',
  description:
    'Check that a command-line tool is installed, at a minimum version, and tell the operator how to ' +
    'install it when it is not.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: {
        description:
          'A command that prints the tool\'s version, as an argv list (`["aws", "--version"]`) or a string ' +
          'split like a shell would. The first word is looked up on PATH.',
        type: ['string', 'array'],
        minLength: 1,
        minItems: 1,
        items: { type: 'string' },
      },
      minVersion: {
        description:
          'The oldest version accepted, as dot-separated numbers (`2.15.0`, `1.12.0.1530`). Versions are ' +
          'compared number by number; missing numbers count as 0. Without it, any version passes.',
        type: 'string',
        pattern: '^\\d+(\\.\\d+)*$',
      },
      pattern: {
        description:
          'A regular expression that finds the version in the command\'s stdout, else its stderr; its first ' +
          'capture group is the version (the whole match without one). Default: the first `1.2.3`-like number.',
        type: 'string',
        format: 'regex',
        minLength: 1,
      },
      install: {
        description: 'How to install or upgrade the tool (Markdown), shown when it is missing or too old.',
        type: 'string',
        minLength: 1,
      },
      name: {
        description: 'The tool\'s name in messages. Default: the command\'s first word.',
        type: 'string',
        minLength: 1,
      },
    },
  },

  resolveInput: resolveCommandInput,
  checkInput: checkCommandInput,

  async run(ctx, input) {
    const argv = typeof input.command === 'string' ? splitCommandLine(input.command) : input.command;
    const [program] = argv;
    if (program === undefined) {
      throw new StepFailure(`command ${JSON.stringify(input.command)} holds no program to run`, {
        code: 'invalid-command',
        retryable: false,
      });
    }
    const name = input.name ?? path.basename(program);
    const versionPattern = compilePattern(input.pattern);
    const advice = input.install ? `\n\n${input.install}` : '';

    const toolPath = await findExecutable(program, ctx.runbookDir);
    const missing = (): StepFailure =>
      new StepFailure(`${name} is not installed: no executable \`${program}\` ${whereLooked(program)}.${advice}`, {
        code: 'tool-missing',
        retryable: false,
        details: `PATH=${process.env.PATH ?? ''}`,
      });
    if (toolPath === undefined) throw missing();

    const outcome = await runProcess({ argv, cwd: ctx.runbookDir, signal: ctx.signal });
    if (outcome.kind === 'not-started') {
      if (outcome.code === 'ENOENT') throw missing();
      throw new StepFailure(`${name} (\`${toolPath}\`) could not be started (${outcome.code}): ${outcome.message}${advice}`, {
        code: 'tool-missing',
        retryable: false,
      });
    }

    const version = findVersion(versionPattern, outcome.stdout) ?? findVersion(versionPattern, outcome.stderr);
    if (version === undefined) {
      const ending = outcome.kind === 'exited' ? `exited with code ${outcome.exitCode}` : `was killed by ${outcome.signal}`;
      throw new StepFailure(
        `\`${quoteCommandLine(argv)}\` ${ending} without printing a version that /${versionPattern.source}/ finds: \`${toolPath}\` may be another program of the same name.${advice}`,
        {
          code: 'tool-version-unknown',
          retryable: false,
          details: `stdout:\n${firstLines(outcome.stdout)}\nstderr:\n${firstLines(outcome.stderr)}`,
        },
      );
    }

    if (input.minVersion !== undefined) {
      if (!VERSION_NUMBERS.test(version)) {
        throw new StepFailure(
          `${name} reports version ${JSON.stringify(version)}, which has no numbers to compare with minVersion ${input.minVersion}`,
          { code: 'tool-version-unknown', retryable: false },
        );
      }
      if (compareVersions(version, input.minVersion) < 0) {
        throw new StepFailure(`${name} ${version} is too old: this runbook needs ${input.minVersion} or later.${advice}`, {
          code: 'tool-too-old',
          retryable: false,
          details: `found at ${toolPath}`,
        });
      }
    }
    return { name, version, path: toolPath };
  },
});

function compilePattern(pattern: string | undefined): RegExp {
  try {
    return new RegExp(pattern ?? DEFAULT_VERSION_PATTERN);
  } catch (error) {
    throw new StepFailure(
      `pattern ${JSON.stringify(pattern)} is not a regular expression (${error instanceof Error ? error.message : String(error)}): ` +
        'give a JavaScript regular expression with one capture group around the version',
      { code: 'invalid-input', retryable: false },
    );
  }
}

function findVersion(pattern: RegExp, output: string): string | undefined {
  const match = pattern.exec(output);
  return match ? (match[1] ?? match[0]) : undefined;
}

/**
 * Orders versions by their leading run of dot-separated numbers, number by number
 * (1.11.170 < 1.45.11, 1.12.0.1530 < 1.12.1), missing numbers counting as 0. Tolerant rather
 * than semver: tool versions have four parts, a `v` in front, or a suffix such as `-rc1`.
 */
export function compareVersions(left: string, right: string): number {
  const leftNumbers = versionNumbers(left);
  const rightNumbers = versionNumbers(right);
  for (let index = 0; index < Math.max(leftNumbers.length, rightNumbers.length); index += 1) {
    const difference = (leftNumbers[index] ?? 0) - (rightNumbers[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

function versionNumbers(version: string): number[] {
  const numbers = VERSION_NUMBERS.exec(version);
  return numbers ? numbers[0].split('.').map(Number) : [];
}

/** The file a program name runs, searched like execvp does: a name with a slash is a path. */
async function findExecutable(program: string, baseDir: string): Promise<string | undefined> {
  if (program.includes('/')) {
    const file = path.resolve(baseDir, program);
    return (await isExecutableFile(file)) ? file : undefined;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.resolve(baseDir, dir || '.', program);
    if (await isExecutableFile(file)) return file;
  }
  return undefined;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function whereLooked(program: string): string {
  return program.includes('/') ? 'at that path' : 'on PATH';
}

function firstLines(text: string): string {
  return text.split('\n').slice(0, SHOWN_OUTPUT_LINES).join('\n');
}
