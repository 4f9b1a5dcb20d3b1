import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DURATION_PATTERN, parseDuration } from '../../engine/duration.js';
import type { JsonObject } from '../../engine/json.js';
import { defineStep, type StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { quoteCommandLine } from '../core/command-line.js';
import { runProcess, type ProcessOutcome } from '../core/run-process.js';
import { administerSystemProgram, depsMap, legacyEndpoint, readProgramOutput, type AdministerAction, type ProgramOptions } from './clojure-program.js';

export interface AdministerSystemInput {
  system: string;
  region?: string;
  dbName: string;
  action: AdministerAction;
  endpoint?: string;
  proxyPort?: number;
  clientVersion?: string;
  clojure?: string;
  timeout?: string;
}

/** The com.datomic/client-cloud release Datomic's documentation names; a runbook can pin another. */
export const DEFAULT_CLIENT_VERSION = '1.0.137';
const DEFAULT_CLOJURE = 'clojure';
/** The first run downloads the client library and its dependencies. */
const DEFAULT_TIMEOUT = '10m';
const DETAILS_TAIL_LINES = 30;
/** cognitect.anomalies says these may succeed when tried again; the others need a fix first. */
const RETRYABLE_CATEGORIES: ReadonlySet<string> = new Set(['unavailable', 'interrupted', 'busy']);
const INSTALL_CLOJURE_CLI =
  'Install the Clojure CLI (https://clojure.org/guides/install_clojure: the linux-install script, or ' +
  '`brew install clojure/tools/clojure`), or set `clojure` to its path. Debian\'s and Ubuntu\'s `clojure` ' +
  'package is not the CLI: it lacks -Sdeps and -M.';

export default defineStep<AdministerSystemInput>({
  type: 'datomic.administer-system',
  description:
    'Run an administer-system action (such as upgrade-schema) on a database of a Datomic Cloud system, through ' +
    'the Clojure CLI and com.datomic/client-cloud. The action is idempotent.',
  effect: 'write',
  idempotent: true,
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['system', 'dbName', 'action'],
    properties: {
      system: {
        description: 'The Datomic system name (the name of its storage stack).',
        type: 'string',
        pattern: '^[A-Za-z][-A-Za-z0-9]*$',
      },
      region: {
        description: "The system's AWS region. Default: the runbook's `aws.region` (or --region).",
        type: 'string',
        pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$',
      },
      dbName: { description: 'The database to act on.', type: 'string', minLength: 1 },
      action: {
        description: 'What to do: `upgrade-schema` upgrades the database to the latest base schema.',
        enum: ['upgrade-schema'],
      },
      endpoint: {
        description: "The system's ClientApiGatewayEndpoint (current systems). Give this or `proxyPort`.",
        type: 'string',
        pattern: '^https?://',
      },
      proxyPort: {
        description:
          'The local SOCKS proxy port of `datomic client access <system>` (legacy systems; typically 8182), ' +
          'started by an earlier `background` step. Give this or `endpoint`.',
        type: 'integer',
        minimum: 1,
        maximum: 65535,
      },
      clientVersion: {
        description: 'The com.datomic/client-cloud version to run with.',
        type: 'string',
        pattern: '^\\d+(\\.\\d+)+$',
        default: DEFAULT_CLIENT_VERSION,
      },
      clojure: {
        description: 'The Clojure CLI executable: a name on PATH or a path.',
        type: 'string',
        minLength: 1,
        default: DEFAULT_CLOJURE,
      },
      timeout: {
        description: 'How long the program may take, downloads included, such as `5m`.',
        type: 'string',
        pattern: DURATION_PATTERN,
        default: DEFAULT_TIMEOUT,
      },
    },
    // each branch names its key again: ajv's strictRequired reads a branch before `properties`
    oneOf: [
      { required: ['endpoint'], properties: { endpoint: true } },
      { required: ['proxyPort'], properties: { proxyPort: true } },
    ],
  },

  async plan(ctx, input) {
    const options = programOptions(ctx, input);
    const program = administerSystemProgram(options);
    const argv = commandArgv(input, program);
    const env = shownEnvironment(clientEnvironment(ctx));
    return {
      summary: `would ${describeAction(options)}`,
      details: `command line:\n${env}${quoteCommandLine(argv)}`,
    };
  },

  async run(ctx, input) {
    const options = programOptions(ctx, input);
    const argv = commandArgv(input, administerSystemProgram(options));
    const timeout = input.timeout ?? DEFAULT_TIMEOUT;
    const timeoutMs = parseDuration(timeout);
    if (timeoutMs === undefined) {
      throw new StepFailure(`timeout ${JSON.stringify(timeout)} is not a duration: write one such as 30s, 5m or 1h`, {
        code: 'invalid-input',
        retryable: false,
      });
    }
    ctx.progress(`${describeAction(options)} (the first run downloads com.datomic/client-cloud ${input.clientVersion ?? DEFAULT_CLIENT_VERSION})`);
    const timer = new AbortController();
    const timeoutHandle = setTimeout(() => timer.abort(), timeoutMs);
    // an empty folder: a project's deps.edn must not change the classpath, and .cpcache stays out of the runbook's folder
    const cwd = await mkdtemp(path.join(tmpdir(), 'stepwise-clojure-'));
    let outcome: ProcessOutcome;
    try {
      outcome = await runProcess({ argv, cwd, env: clientEnvironment(ctx), signal: AbortSignal.any([ctx.signal, timer.signal]) });
    } catch (error) {
      if (ctx.signal.aborted || !timer.signal.aborted) throw error;
      throw new StepFailure(`\`${argv[0]}\` did not finish within ${timeout} (timeout) and was stopped`, { code: 'timeout' });
    } finally {
      clearTimeout(timeoutHandle);
      await rm(cwd, { recursive: true, force: true });
    }
    const result = resultOf(outcome, argv[0]!, options);
    return { dbName: options.dbName, result };
  },
});

function programOptions(ctx: StepContext, input: AdministerSystemInput): ProgramOptions {
  const region = input.region ?? ctx.settings('aws').region;
  if (typeof region !== 'string' || region === '') {
    throw new StepFailure('no region: give `region`, or set `aws.region` in the runbook (or --region on the command line)', {
      code: 'invalid-input',
      retryable: false,
    });
  }
  return {
    system: input.system,
    region,
    dbName: input.dbName,
    action: input.action,
    connection: connectionOf(input),
  };
}

/** Static keys of the environment, which the Java SDK's default chain takes before any profile. */
const STATIC_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/**
 * The client finds its credentials through AWS's default chain, as the runbook's AWS steps do:
 * the profile they use (the runbook's `aws.profile`, or --profile) must be the client's too.
 * The JavaScript SDK skips the environment's keys when a profile is named, the Java one does
 * not: with a profile they are left out, so the program acts with the same credentials.
 */
function clientEnvironment(ctx: Pick<StepContext, 'settings'>): Record<string, string | undefined> {
  const profile = ctx.settings('aws').profile;
  if (typeof profile !== 'string' || profile === '') return {};
  const present = STATIC_KEYS.filter((name) => process.env[name] !== undefined);
  return { ...Object.fromEntries(present.map((name) => [name, undefined])), AWS_PROFILE: profile };
}

/** The environment as a command line's prefix: `env -u` for what is left out. */
function shownEnvironment(env: Record<string, string | undefined>): string {
  const removed = Object.keys(env).filter((name) => env[name] === undefined);
  const set = Object.entries(env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value} `]));
  return `${removed.length > 0 ? `env ${removed.map((name) => `-u ${name}`).join(' ')} ` : ''}${set.join('')}`;
}

function connectionOf(input: AdministerSystemInput): ProgramOptions['connection'] {
  if (input.endpoint !== undefined && input.proxyPort === undefined) return { endpoint: input.endpoint };
  if (input.proxyPort !== undefined && input.endpoint === undefined) return { proxyPort: input.proxyPort };
  throw new StepFailure(
    `give exactly one of endpoint (current systems) or proxyPort (legacy systems), not ${input.endpoint === undefined ? 'neither' : 'both'}`,
    { code: 'invalid-input', retryable: false },
  );
}

function commandArgv(input: AdministerSystemInput, program: string): string[] {
  return [input.clojure ?? DEFAULT_CLOJURE, '-Sdeps', depsMap(input.clientVersion ?? DEFAULT_CLIENT_VERSION), '-M', '-e', program];
}

function describeAction(options: ProgramOptions): string {
  const through =
    'endpoint' in options.connection
      ? `through ${options.connection.endpoint}`
      : `through the SOCKS proxy on port ${options.connection.proxyPort} (${legacyEndpoint(options.system, options.region)})`;
  return `${options.action} database ${JSON.stringify(options.dbName)} of Datomic system ${JSON.stringify(options.system)} (${options.region}) ${through}`;
}

function resultOf(outcome: ProcessOutcome, program: string, options: ProgramOptions): JsonObject {
  if (outcome.kind === 'not-started') {
    if (outcome.code === 'ENOENT') {
      throw new StepFailure(`the Clojure CLI \`${program}\` was not found. ${INSTALL_CLOJURE_CLI}`, {
        code: 'command-not-found',
        retryable: false,
        details: `${outcome.message}\nPATH=${process.env.PATH ?? ''}`,
      });
    }
    throw new StepFailure(`\`${program}\` could not be started (${outcome.code}): ${outcome.message}`, {
      code: outcome.code === 'EACCES' ? 'command-not-executable' : 'spawn',
      retryable: false,
    });
  }
  const details = outputDetails(outcome);
  if (outcome.kind === 'killed') {
    throw new StepFailure(`\`${program}\` was killed by ${outcome.signal}`, { code: 'signal', details });
  }
  const reported = readProgramOutput(outcome.stdout);
  if (reported.kind === 'anomaly') {
    throw new StepFailure(
      `administer-system ${options.action} of database ${JSON.stringify(options.dbName)} failed: anomaly ${reported.category}: ${reported.message}`,
      { code: `anomaly:${reported.category}`, retryable: RETRYABLE_CATEGORIES.has(reported.category), details },
    );
  }
  if (reported.kind === 'error') {
    throw new StepFailure(`the administer-system program failed with ${reported.className}: ${reported.message}`, {
      code: 'clojure-error',
      retryable: false,
      details,
    });
  }
  if (outcome.exitCode === 0) {
    if (reported.kind === 'unreadable') {
      throw new StepFailure(`\`${program}\` exited with code 0 but did not print the program's result: ${reported.problem}`, {
        code: 'unexpected-output',
        retryable: false,
        details,
      });
    }
    if (typeof reported.value !== 'object' || reported.value === null || Array.isArray(reported.value)) {
      throw new StepFailure(`administer-system returned ${JSON.stringify(reported.value)}, not a map`, {
        code: 'unexpected-output',
        retryable: false,
        details,
      });
    }
    return reported.value;
  }
  if (/-Sdeps \(No such file or directory\)/.test(outcome.stderr)) {
    throw new StepFailure(`\`${program}\` is not the Clojure CLI: it took -Sdeps for a script file. ${INSTALL_CLOJURE_CLI}`, {
      code: 'not-clojure-cli',
      retryable: false,
      details,
    });
  }
  const lastLine = lastNonEmptyLine(outcome.stderr) ?? lastNonEmptyLine(outcome.stdout);
  throw new StepFailure(`\`${program}\` exited with code ${outcome.exitCode}${lastLine ? `: ${lastLine}` : ''}`, {
    code: 'exit-code',
    details,
  });
}

function lastNonEmptyLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((line) => line.trim())
    .findLast((line) => line !== '');
}

function outputDetails(output: { stdout: string; stderr: string }): string | undefined {
  const streams = (['stderr', 'stdout'] as const).filter((name) => output[name].trim() !== '');
  if (streams.length === 0) return undefined;
  return streams
    .map((name) => `${name} (last ${DETAILS_TAIL_LINES} lines):\n${output[name].trimEnd().split('\n').slice(-DETAILS_TAIL_LINES).join('\n')}`)
    .join('\n');
}
