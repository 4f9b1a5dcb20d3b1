// The engine as the rows drive it: benchmark runbooks, executeRunbook alone, and the `run` and
// `resume` commands called in this process with their output silenced.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { importBuilt, time } from './measure.js';

/** `count` shell steps, each running `program` with no arguments. */
export function shellSteps(count, program) {
  return Array.from({ length: count }, (_, i) => `  - { id: step-${i + 1}, type: shell, with: { command: [${program}] } }`);
}

/** `count` set steps, each making one small output. */
export function setSteps(count) {
  return Array.from({ length: count }, (_, i) => `  - { id: step-${i + 1}, type: set, with: { values: { n: ${i + 1} } } }`);
}

/**
 * A plugin whose one step type says it writes and changes nothing: a long run of changes, at no
 * cost of their own, so that what a resume saves is the engine's work alone.
 */
const CHANGE_PLUGIN = `export default {
  type: 'bench.change',
  description: 'A change that changes nothing, for timing the engine.',
  effect: 'write',
  input: { type: 'object', additionalProperties: false, required: ['n'], properties: { n: { type: 'number' } } },
  async plan(ctx, input) { return { summary: 'change ' + input.n }; },
  async run(ctx, input) { return { n: input.n }; },
};
`;

/** `count` write steps of the change plugin (see `changePlugin`), each making one small output. */
export function changeSteps(count) {
  return Array.from({ length: count }, (_, i) => `  - { id: step-${i + 1}, type: bench.change, with: { n: ${i + 1} } }`);
}

/** Writes the change plugin into `folder`; returns the `plugins:` entry for a runbook there. */
export function changePlugin(folder) {
  writeFileSync(path.join(folder, 'change-steps.js'), CHANGE_PLUGIN);
  return './change-steps.js';
}

/**
 * `earlier` steps then a last one, an assert, that fails: a long run to resume at its last step.
 * A resume restores what came up to the last change and reads again what came after it, so
 * earlier changes are restored and earlier reads (set steps) are run again.
 */
export function stepsFailingAtTheLast(earlier) {
  return [...earlier, '  - { id: last, type: assert, with: { that: "${{ steps.\\"step-1\\".outputs.n == `2` }}", message: the last step fails } }'];
}

/** Writes a runbook of these step lines (and plugins) into `folder` and returns its path. */
export function writeRunbook(folder, name, steps, plugins = []) {
  const file = path.join(folder, `${name}.yaml`);
  const pluginLines = plugins.length > 0 ? [`plugins: [${plugins.join(', ')}]`] : [];
  writeFileSync(file, ['apiVersion: stepwise/v1', `name: bench-${name}`, 'version: 1.0.0', ...pluginLines, 'steps:', ...steps, ''].join('\n'));
  return file;
}

/**
 * What `stepwise run` does once the runbook is valid, without the journal: executeRunbook with
 * the built-in registry and the plain reporter writing nowhere. Resolves to a function that
 * times one run.
 */
export async function executeOnly(file) {
  const [{ validateRunbookFile }, { builtInRegistry }, { executeRunbook }, { PlainReporter }, { Redactor }] = await Promise.all([
    importBuilt('engine/validate/validate-runbook.js'),
    importBuilt('engine/cli/builtins.js'),
    importBuilt('engine/execute/execute-runbook.js'),
    importBuilt('engine/report/plain-reporter.js'),
    importBuilt('engine/secrets.js'),
  ]);
  const validation = await validateRunbookFile(file, builtInRegistry());
  if (!validation.ok) throw new Error(`${file} is not valid: ${JSON.stringify(validation.diagnostics)}`);
  const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
  return async () => {
    const started = performance.now();
    const result = await executeRunbook({
      runbook: validation.runbook,
      runbookFile: file,
      registry: validation.registry,
      params: {},
      redactor: new Redactor(),
      runId: 'bench',
      dryRun: false,
      assumeYes: false,
      interactive: false,
      settingsOverrides: {},
      signal: new AbortController().signal,
      reporter: new PlainReporter(nowhere, false),
    });
    const ms = performance.now() - started;
    if (result.status !== 'succeeded') throw new Error(`${file} ${result.status}: ${JSON.stringify(result.failure)}`);
    return ms;
  };
}

/**
 * The CLI's `run` and `resume` commands in this process, whole: loading and validating the
 * runbook, hashing it, the run folder, lock and journal. Each resolves to its milliseconds and
 * fails unless the command ends with `exitCode`.
 */
export async function cliCommands(stateDir) {
  const [{ runCommand }, { resumeCommand }] = await Promise.all([importBuilt('engine/cli/run-command.js'), importBuilt('engine/cli/resume-command.js')]);
  return {
    run: (file, exitCode) => time(() => quietly(() => runCommand(file, { param: [], stateDir }), exitCode)),
    resume: (runId, exitCode) => time(() => quietly(() => resumeCommand(runId, { stateDir }), exitCode)),
  };
}

/** Runs a CLI command with its output silenced; it must end with the expected exit code. */
async function quietly(command, expectedExitCode) {
  const { stdout, stderr, env } = process;
  const writes = { out: stdout.write, err: stderr.write };
  const ci = env.CI;
  const exitCode = process.exitCode;
  let printed = '';
  const capture = (chunk) => {
    printed = (printed + chunk).slice(-4000);
    return true;
  };
  stdout.write = capture;
  stderr.write = capture;
  // Plain lines rather than a live terminal renderer, as when stepwise runs in CI.
  env.CI = '1';
  let commandExitCode;
  try {
    await command();
    commandExitCode = process.exitCode ?? 0;
  } finally {
    stdout.write = writes.out;
    stderr.write = writes.err;
    if (ci === undefined) delete env.CI;
    else env.CI = ci;
    process.exitCode = exitCode;
  }
  if (commandExitCode !== expectedExitCode) throw new Error(`expected exit code ${expectedExitCode}, got ${commandExitCode}:\n${printed.slice(-2000)}`);
}
