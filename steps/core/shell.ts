import type { JsonObject, JsonValue } from '../../engine/json.js';
import { defineStep, type StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { checkCommandInput, quoteCommandLine, resolveCommandInput, splitCommandLine } from './command-line.js';
import { locateJsonSyntaxError } from './json-syntax.js';
import { runProcess, type ProcessOutcome } from './run-process.js';
import { existingWorkingDirectory, resolveWorkingDirectory } from './working-directory.js';

export interface ShellInput {
  command: string | string[];
  shell?: boolean;
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  parse?: 'text' | 'json' | 'lines';
  effect?: 'read' | 'write';
  okExitCodes?: number[];
}

const SHELL_PATH = '/bin/sh';
/** The shell's exit code for a command it could not find (POSIX). */
const SHELL_COMMAND_NOT_FOUND = 127;
const DETAILS_TAIL_LINES = 50;
const MAX_LOGGED_LINES = 1_000;

export default defineStep<ShellInput>({
  type: 'shell',
  description:
    'Run a command as an argv list (a string is split into words like a shell would, without running one), ' +
    'or through /bin/sh when `shell: true`.',
  effect: (input) => input.effect ?? 'write',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: {
        description:
          'The program and its arguments: an argv list, or a string split into words the way a shell would ' +
          '(quotes, backslashes) without running one. With `shell: true`, a string is the script for /bin/sh, ' +
          'and a list is the script followed by the values of its positional parameters $1, $2, ...',
        type: ['string', 'array'],
        minLength: 1,
        minItems: 1,
        items: { type: 'string' },
      },
      shell: {
        description:
          'Run the command through /bin/sh, so that pipes, redirections and variables work. The script itself ' +
          'may hold no `${{ }}`, which would become shell code: pass values as list items ($1, $2, ...) or `env`.',
        type: 'boolean',
        default: false,
      },
      cwd: {
        description: 'The working directory, relative to the runbook file. Default: the runbook\'s folder.',
        type: 'string',
        minLength: 1,
      },
      env: {
        description: 'Environment variables added to those stepwise runs with.',
        type: 'object',
        additionalProperties: { type: 'string' },
      },
      stdin: {
        description: 'Text written to the command\'s standard input. Without it, stdin is empty (/dev/null).',
        type: 'string',
      },
      parse: {
        description:
          'How to read stdout into `parsed`: `text` (no `parsed`), `json` (one JSON document), `lines` (a list).',
        enum: ['text', 'json', 'lines'],
        default: 'text',
      },
      effect: {
        description:
          '`read` when the command changes nothing, so that a dry-run runs it for real; `write` (the default) ' +
          'when it does, so that a dry-run only shows it.',
        enum: ['read', 'write'],
        default: 'write',
      },
      okExitCodes: {
        description: 'Exit codes that count as success.',
        type: 'array',
        items: { type: 'integer', minimum: 0, maximum: 255 },
        minItems: 1,
        uniqueItems: true,
        default: [0],
      },
    },
  },

  resolveInput: resolveCommandInput,
  checkInput: checkCommandInput,

  async plan(ctx, input) {
    const argv = commandArgv(input);
    const details = [`cwd: ${resolveWorkingDirectory(ctx.runbookDir, input.cwd)}`];
    const envNames = Object.keys(input.env ?? {});
    if (envNames.length > 0) details.push(`env: ${envNames.join(', ')} (values not shown)`);
    if (input.stdin !== undefined) details.push(`stdin: ${input.stdin.length} characters`);
    return { summary: quoteCommandLine(argv), details: details.join('\n') };
  },

  async run(ctx, input) {
    const argv = commandArgv(input);
    const cwd = await existingWorkingDirectory(ctx.runbookDir, input.cwd);
    const outcome = await runProcess({
      argv,
      cwd,
      env: input.env,
      stdin: input.stdin,
      signal: ctx.signal,
      onStdoutLine: boundedLogger(ctx),
    });
    const exited = checkOutcome(outcome, input, argv);
    const result: JsonObject = { exitCode: exited.exitCode, stdout: exited.stdout, stderr: exited.stderr };
    const parse = input.parse ?? 'text';
    if (parse !== 'text') result.parsed = parseStdout(exited.stdout, parse, programName(input, argv));
    return result;
  },
});

function commandArgv(input: ShellInput): string[] {
  if (input.shell) {
    const [script, ...positional] = typeof input.command === 'string' ? [input.command] : input.command;
    // `sh` fills $0, so that the list's further items become $1, $2, ...
    return [SHELL_PATH, '-c', script ?? '', ...(positional.length > 0 ? ['sh', ...positional] : [])];
  }
  const argv = typeof input.command === 'string' ? splitCommandLine(input.command) : input.command;
  if (argv.length === 0) {
    throw new StepFailure(`command ${JSON.stringify(input.command)} holds no program to run`, {
      code: 'invalid-command',
      retryable: false,
    });
  }
  return argv;
}

/** The word an operator recognises the command by, for messages. */
function programName(input: ShellInput, argv: readonly string[]): string {
  const program = input.shell ? (argv[2] ?? '').trim().split(/\s+/)[0] : argv[0];
  return program || SHELL_PATH;
}

/** Shows output as it comes without flooding the log with a chatty command's every line. */
function boundedLogger(ctx: StepContext): (line: string) => void {
  let logged = 0;
  return (line) => {
    logged += 1;
    if (logged > MAX_LOGGED_LINES + 1) return;
    if (logged === MAX_LOGGED_LINES + 1) {
      ctx.log(`… further output is not shown here (the step's stdout holds all of it)`);
      return;
    }
    // the engine cuts a long line, once it is redacted
    ctx.log(line);
  };
}

function checkOutcome(
  outcome: ProcessOutcome,
  input: ShellInput,
  argv: readonly string[],
): Extract<ProcessOutcome, { kind: 'exited' }> {
  const program = programName(input, argv);
  if (outcome.kind === 'not-started') {
    if (outcome.code === 'ENOENT') throw commandNotFound(program, outcome.message);
    throw new StepFailure(`\`${program}\` could not be started (${outcome.code}): ${outcome.message}`, {
      code: outcome.code === 'EACCES' ? 'command-not-executable' : 'spawn',
      retryable: false,
    });
  }
  if (outcome.kind === 'killed') {
    throw new StepFailure(`\`${program}\` was killed by ${outcome.signal}${lastLines(outcome)}`, {
      code: 'signal',
      details: outputDetails(outcome),
    });
  }
  const okExitCodes = input.okExitCodes ?? [0];
  if (okExitCodes.includes(outcome.exitCode)) return outcome;
  if (input.shell && outcome.exitCode === SHELL_COMMAND_NOT_FOUND) {
    throw commandNotFound(program, outcome.stderr.trim());
  }
  throw new StepFailure(
    `\`${program}\` exited with code ${outcome.exitCode} (allowed: ${okExitCodes.join(', ')})${lastLines(outcome)}`,
    { code: 'exit-code', details: outputDetails(outcome) },
  );
}

function commandNotFound(program: string, systemMessage: string): StepFailure {
  const where = program.includes('/') ? 'there is no such file' : 'no directory on PATH holds it';
  return new StepFailure(`command \`${program}\` was not found: ${where}`, {
    code: 'command-not-found',
    retryable: false,
    details: `${systemMessage}\nPATH=${process.env.PATH ?? ''}`,
  });
}

/**
 * The last line of stderr (or of stdout, for programs that report errors there), so the
 * one-line message says why; the details hold the rest.
 */
function lastLines(output: { stdout: string; stderr: string }): string {
  const text = output.stderr.trim() ? output.stderr : output.stdout;
  const last = tailLines(text, 1).trim();
  return last ? `: ${last}` : '';
}

function outputDetails(output: { stdout: string; stderr: string }): string | undefined {
  const streams = (['stderr', 'stdout'] as const).filter((name) => output[name].trim() !== '');
  if (streams.length === 0) return undefined;
  return streams.map((name) => `${name} (last ${DETAILS_TAIL_LINES} lines):\n${tailLines(output[name], DETAILS_TAIL_LINES)}`).join('\n');
}

function tailLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function parseStdout(stdout: string, parse: 'json' | 'lines', program: string): JsonValue {
  if (parse === 'lines') return stdout === '' ? [] : stdout.split(/\r?\n/);
  if (stdout.trim() === '') {
    throw new StepFailure(`\`${program}\` printed nothing, and \`parse: json\` needs one JSON document on stdout`, {
      code: 'parse',
      retryable: false,
    });
  }
  try {
    return JSON.parse(stdout) as JsonValue;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const location = locateJsonSyntaxError(stdout);
    const where = location ? ` at line ${location.line}, column ${location.column}` : '';
    const offendingLine = location ? stdout.split('\n')[location.line - 1] ?? '' : undefined;
    throw new StepFailure(`stdout of \`${program}\` is not valid JSON${where} (parse: json): ${reason}`, {
      code: 'parse',
      retryable: false,
      details:
        location && offendingLine !== undefined
          ? `${offendingLine}\n${' '.repeat(location.column - 1)}^`
          : tailLines(stdout, DETAILS_TAIL_LINES),
    });
  }
}
