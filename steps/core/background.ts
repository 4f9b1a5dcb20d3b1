import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { DURATION_PATTERN, parseDuration } from '../../engine/duration.js';
import type { JsonObject } from '../../engine/json.js';
import { defineStep, type StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { checkCommandInput, quoteCommandLine, resolveCommandInput, splitCommandLine } from './command-line.js';
import { startBackgroundProcess, type BackgroundExit, type BackgroundProcess } from './run-process.js';
import { existingWorkingDirectory, resolveWorkingDirectory } from './working-directory.js';

export type Readiness = { port: number; host?: string } | { line: string };

export interface BackgroundInput {
  command: string | string[];
  cwd?: string;
  env?: Record<string, string>;
  ready: Readiness;
  timeout?: string;
  stopTimeout?: string;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_TIMEOUT = '60s';
const DEFAULT_STOP_TIMEOUT = '5s';
/** Between connection attempts: short, so that readiness is seen soon after it happens. */
const PORT_POLL_MS = 100;
/** A connection attempt that neither succeeds nor fails by then counts as not ready yet. */
const CONNECT_ATTEMPT_MS = 1_000;
const MAX_LOGGED_LINES = 200;
/** Kept for failure messages, after the lines have stopped going to the log. */
const KEPT_LINES = 50;

export default defineStep<BackgroundInput>({
  type: 'background',
  description:
    'Start a long-running process (such as `datomic client access <system>`), wait until it is ready, keep it ' +
    'for the rest of the run and stop it when the run ends, whatever the outcome.',
  effect: 'write',
  lastsForTheRun: true,
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['command', 'ready'],
    properties: {
      command: {
        description:
          'The program and its arguments: an argv list, or a string split into words the way a shell would ' +
          '(quotes, backslashes) without running one.',
        type: ['string', 'array'],
        minLength: 1,
        minItems: 1,
        items: { type: 'string' },
      },
      cwd: {
        description: "The working directory, relative to the runbook file. Default: the runbook's folder.",
        type: 'string',
        minLength: 1,
      },
      env: {
        description: 'Environment variables added to those stepwise runs with.',
        type: 'object',
        additionalProperties: { type: 'string' },
      },
      ready: {
        description:
          'Either `{ port, host }` (ready once a TCP connection to host:port succeeds; host defaults to ' +
          '127.0.0.1) or `{ line }` (ready once a line of stdout or stderr matches this regular expression).',
        type: 'object',
        additionalProperties: false,
        properties: {
          port: { description: 'The TCP port the process listens on once ready.', type: 'integer', minimum: 1, maximum: 65535 },
          host: { description: 'The host to connect to, with `port`. Default: 127.0.0.1.', type: 'string', minLength: 1 },
          line: { description: 'A regular expression (JavaScript syntax) that a line of output matches once ready.', type: 'string', format: 'regex', minLength: 1 },
        },
        // each branch names its key again: ajv's strictRequired reads a branch before `properties`
        oneOf: [
          { required: ['port'], properties: { port: true } },
          { required: ['line'], properties: { line: true } },
        ],
        dependentRequired: { host: ['port'] },
      },
      timeout: {
        description: 'How long the process has to become ready, such as `30s` or `2m`.',
        type: 'string',
        pattern: DURATION_PATTERN,
        default: DEFAULT_TIMEOUT,
      },
      stopTimeout: {
        description: 'When the run ends: how long the process has to exit after SIGTERM before it gets SIGKILL.',
        type: 'string',
        pattern: DURATION_PATTERN,
        default: DEFAULT_STOP_TIMEOUT,
      },
    },
  },

  resolveInput: resolveCommandInput,
  checkInput: checkCommandInput,

  async plan(ctx, input) {
    const argv = commandArgv(input);
    const readiness = compileReadiness(input.ready);
    const details = [
      `cwd: ${resolveWorkingDirectory(ctx.runbookDir, input.cwd)}`,
      ...envDetails(input),
      `ready: ${readiness.description} (within ${input.timeout ?? DEFAULT_TIMEOUT})`,
      `stopped when the run ends: SIGTERM to its process group, SIGKILL after ${input.stopTimeout ?? DEFAULT_STOP_TIMEOUT}`,
    ];
    return { summary: `would start in the background: ${quoteCommandLine(argv)}`, details: details.join('\n') };
  },

  async run(ctx, input) {
    const argv = commandArgv(input);
    const readiness = compileReadiness(input.ready);
    const timeoutMs = durationOf(input.timeout ?? DEFAULT_TIMEOUT, 'timeout');
    const stopTimeoutMs = durationOf(input.stopTimeout ?? DEFAULT_STOP_TIMEOUT, 'stopTimeout');
    const cwd = await existingWorkingDirectory(ctx.runbookDir, input.cwd);
    const program = argv[0]!;
    if (readiness.kind === 'port') await refuseTakenPort(readiness, program, ctx.signal);

    const output = new OutputLines(ctx, readiness.kind === 'line' ? readiness.pattern : undefined);
    const started = await startBackgroundProcess({ argv, cwd, env: input.env, onLine: (line) => output.add(line) });
    if (started.kind === 'not-started') throw notStarted(program, started.code, started.message);
    const background = started.process;
    let exit: BackgroundExit | undefined;
    void background.exited.then((value) => (exit = value));
    // registered before waiting, so that the process is stopped however this step ends
    ctx.onRunEnd(async () => {
      const exitedEarlier = exit;
      await background.stop(stopTimeoutMs);
      if (exitedEarlier && output.ready) {
        ctx.log(`\`${program}\` (pid ${background.pid}) had already ${describeExit(exitedEarlier)} during the run; ${output.lastLine()}`);
      }
    });

    ctx.progress(`waiting until ${readiness.description} (pid ${background.pid})`);
    const outcome = await waitUntilReady(background, readiness, output, timeoutMs, ctx.signal).catch(async (error: unknown) => {
      await background.stop(stopTimeoutMs);
      throw ctx.signal.aborted ? ctx.signal.reason : error;
    });
    if (outcome.kind === 'exited') {
      await background.stop(stopTimeoutMs);
      throw new StepFailure(`\`${program}\` ${describeExit(outcome.exit)} before it was ready (waiting until ${readiness.description}); ${output.lastLine()}`, {
        code: 'exited-early',
        details: output.details(),
      });
    }
    if (outcome.kind === 'timed-out') {
      await background.stop(stopTimeoutMs);
      throw new StepFailure(
        `\`${program}\` was not ready after ${input.timeout ?? DEFAULT_TIMEOUT} (${readiness.failure}) and was stopped; ${output.lastLine()}`,
        { code: 'not-ready', details: output.details() },
      );
    }
    output.ready = true;
    const result: JsonObject = { pid: background.pid, ready: readiness.kind };
    if (readiness.kind === 'port') result.port = readiness.port;
    else result.line = outcome.line ?? '';
    return result;
  },
});

type CompiledReadiness =
  | { kind: 'port'; host: string; port: number; address: string; description: string; failure: string }
  | { kind: 'line'; pattern: RegExp; description: string; failure: string };

type WaitOutcome = { kind: 'ready'; line?: string } | { kind: 'exited'; exit: BackgroundExit } | { kind: 'timed-out' };

function compileReadiness(ready: Readiness): CompiledReadiness {
  if ('port' in ready) {
    const host = ready.host ?? DEFAULT_HOST;
    const address = `${host.includes(':') ? `[${host}]` : host}:${ready.port}`;
    return {
      kind: 'port',
      host,
      port: ready.port,
      address,
      description: `${address} accepts connections`,
      failure: `nothing accepted connections on ${address}`,
    };
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(ready.line);
  } catch (error) {
    throw new StepFailure(
      `ready.line ${JSON.stringify(ready.line)} is not a valid regular expression (${(error as Error).message}); ` +
        'give a JavaScript regular expression, such as "listening on port \\\\d+"',
      { code: 'invalid-input', retryable: false },
    );
  }
  return {
    kind: 'line',
    pattern,
    description: `a line of its output matches /${ready.line}/`,
    failure: `no line of its output matched /${ready.line}/`,
  };
}

async function waitUntilReady(
  background: BackgroundProcess,
  readiness: CompiledReadiness,
  output: OutputLines,
  timeoutMs: number,
  stepSignal: AbortSignal,
): Promise<WaitOutcome> {
  const finished = new AbortController();
  const signal = AbortSignal.any([stepSignal, finished.signal]);
  const ready: Promise<WaitOutcome> =
    readiness.kind === 'port'
      ? pollPort(readiness.host, readiness.port, signal).then(() => ({ kind: 'ready' }))
      : output.matched.then((line) => ({ kind: 'ready', line }));
  try {
    return await Promise.race([
      ready,
      background.exited.then((exit): WaitOutcome => ({ kind: 'exited', exit })),
      delay(timeoutMs, undefined, { signal }).then((): WaitOutcome => ({ kind: 'timed-out' })),
    ]);
  } finally {
    finished.abort();
  }
}

async function pollPort(host: string, port: number, signal: AbortSignal): Promise<void> {
  while (!(await accepts(host, port, signal))) {
    await delay(PORT_POLL_MS, undefined, { signal });
  }
}

/** True when a TCP connection to host:port succeeds; the connection is closed at once. */
function accepts(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  signal.throwIfAborted();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const settle = (accepted: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(accepted);
    };
    const onAbort = () => settle(false);
    const timer = setTimeout(() => settle(false), CONNECT_ATTEMPT_MS);
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A process left over from an earlier run (say stepwise itself was killed) would answer in
 * place of the new one, which would then fail to listen: readiness could not tell them apart.
 */
async function refuseTakenPort(readiness: Extract<CompiledReadiness, { kind: 'port' }>, program: string, signal: AbortSignal): Promise<void> {
  if (!(await accepts(readiness.host, readiness.port, signal))) return;
  throw new StepFailure(
    `${readiness.address} already accepts connections before \`${program}\` ` +
      'was started: another process (an earlier `datomic client access`, say) holds the port; stop it or choose another port',
    { code: 'port-in-use', retryable: false },
  );
}

/** The output lines of the process: logged while the step waits, kept for messages after. */
class OutputLines {
  /** Set once the process is ready: from then on lines are no longer logged. */
  ready = false;
  private readonly kept: string[] = [];
  private logged = 0;
  private onMatch: ((line: string) => void) | undefined;
  /** The first line that matched the readiness pattern; pending until one does. */
  readonly matched: Promise<string>;

  /** Given before the process starts, so that not even its first line can be missed. */
  constructor(
    private readonly ctx: StepContext,
    private readonly readyPattern: RegExp | undefined,
  ) {
    this.matched = new Promise((resolve) => (this.onMatch = resolve));
  }

  add(line: string): void {
    this.kept.push(line);
    if (this.kept.length > KEPT_LINES) this.kept.shift();
    if (!this.ready) this.log(line);
    if (this.readyPattern?.test(line)) {
      this.onMatch?.(line);
      this.onMatch = undefined;
    }
  }

  /** For the end of a message. */
  lastLine(): string {
    const last = this.kept.findLast((line) => line.trim() !== '');
    return last === undefined ? 'it printed nothing' : `its last output line: ${last.trim()}`;
  }

  details(): string | undefined {
    if (this.kept.length === 0) return undefined;
    return `output (last ${KEPT_LINES} lines of stdout and stderr):\n${this.kept.join('\n')}`;
  }

  /** Shows output as it comes without flooding the log with a chatty process's every line. */
  private log(line: string): void {
    this.logged += 1;
    if (this.logged > MAX_LOGGED_LINES + 1) return;
    if (this.logged === MAX_LOGGED_LINES + 1) {
      this.ctx.log(`… further output is not shown (more than ${MAX_LOGGED_LINES} lines)`);
      return;
    }
    // the engine cuts a long line, once it is redacted
    this.ctx.log(line);
  }
}

function describeExit(exit: BackgroundExit): string {
  return exit.kind === 'exited' ? `exited with code ${exit.exitCode}` : `was killed by ${exit.signal}`;
}

function commandArgv(input: BackgroundInput): string[] {
  const argv = typeof input.command === 'string' ? splitCommandLine(input.command) : input.command;
  if (argv.length === 0) {
    throw new StepFailure(`command ${JSON.stringify(input.command)} holds no program to run`, {
      code: 'invalid-command',
      retryable: false,
    });
  }
  return argv;
}

function durationOf(text: string, name: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new StepFailure(`${name} ${JSON.stringify(text)} is not a duration: write one such as 500ms, 30s, 2m or 1h`, {
      code: 'invalid-input',
      retryable: false,
    });
  }
  return ms;
}

function envDetails(input: BackgroundInput): string[] {
  const names = Object.keys(input.env ?? {});
  return names.length > 0 ? [`env: ${names.join(', ')} (values not shown)`] : [];
}

function notStarted(program: string, code: string, systemMessage: string): StepFailure {
  if (code === 'ENOENT') {
    const where = program.includes('/') ? 'there is no such file' : 'no directory on PATH holds it';
    return new StepFailure(`command \`${program}\` was not found: ${where}`, {
      code: 'command-not-found',
      retryable: false,
      details: `${systemMessage}\nPATH=${process.env.PATH ?? ''}`,
    });
  }
  return new StepFailure(`\`${program}\` could not be started (${code}): ${systemMessage}`, {
    code: code === 'EACCES' ? 'command-not-executable' : 'spawn',
    retryable: false,
  });
}
