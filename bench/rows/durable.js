// Durable runs: what the journal (an fdatasync per event) costs a run, whether that cost
// grows faster than the run, and how much of a long run a resume saves.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { compare, importBuilt, row, time } from '../lib/measure.js';

const SHELL_STEPS = 200;
const PROGRAM = '/bin/true';

export default async function durableRows({ repeat }) {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'stepwise-bench-durable-'));
  try {
    const engine = await loadEngine();
    const stateDir = path.join(workspace, 'state');
    const shellRun = await journaledRun(engine, workspace, stateDir, 'shell', shellSteps(SHELL_STEPS));
    const spawns = await compare(
      {
        bareExeca: () =>
          time(async () => {
            for (let i = 0; i < SHELL_STEPS; i++) await execa(PROGRAM);
          }),
        journaled: shellRun,
      },
      repeat,
    );
    const growth = await compare(
      {
        thousand: await journaledRun(engine, workspace, stateDir, 'set-1000', setSteps(1_000)),
        fourThousand: await journaledRun(engine, workspace, stateDir, 'set-4000', setSteps(4_000)),
      },
      repeat,
    );
    const resume = await compare(resumeAgainstFullRun(engine, workspace, stateDir), repeat);
    return [
      row({ name: `${SHELL_STEPS} shell steps (${PROGRAM}) with the journal vs bare execa`, baseline: `${SHELL_STEPS} × execa() in Node`, baselineMs: spawns.bareExeca, measuredMs: spawns.journaled, target: 1.25 }),
      row({ name: '4,000 set steps with the journal vs 1,000', baseline: '1,000 set steps with the journal', baselineMs: growth.thousand, measuredMs: growth.fourThousand, target: 4.5 }),
      row({ name: 'resume of a 1,000-step run failed at its last step', baseline: 'the full run (stepwise run)', baselineMs: resume.fullRun, measuredMs: resume.resume, target: 0.15 }),
    ];
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function loadEngine() {
  const modules = await Promise.all(
    [
      'engine/load/read-runbook-file.js',
      'engine/validate/validate-runbook.js',
      'engine/cli/builtin-registry.js',
      'engine/execute/execute-runbook.js',
      'engine/report/plain-reporter.js',
      'engine/secrets.js',
      'engine/state/run-store.js',
      'engine/state/run-record.js',
      'engine/state/hash-files.js',
      'engine/cli/run-command.js',
      'engine/cli/resume-command.js',
      'engine/version.js',
    ].map(importBuilt),
  );
  return Object.assign({}, ...modules);
}

function shellSteps(count) {
  return Array.from({ length: count }, (_, i) => `  - { id: step-${i + 1}, type: shell, with: { command: [${PROGRAM}] } }`);
}

function setSteps(count) {
  return Array.from({ length: count }, (_, i) => `  - { id: step-${i + 1}, type: set, with: { values: { n: ${i + 1} } } }`);
}

function runbookText(name, steps) {
  return ['apiVersion: stepwise/v1', `name: bench-${name}`, 'version: 1.0.0', 'steps:', ...steps, ''].join('\n');
}

/**
 * What `stepwise run` does once the runbook is valid: the run record with the runbook's hash,
 * the run folder, lock and journal through the run store, then executeRunbook with the plain
 * reporter (writing nowhere) and the journal as an observer.
 */
async function journaledRun(engine, workspace, stateDir, name, steps) {
  const file = path.join(workspace, `${name}.yaml`);
  const text = runbookText(name, steps);
  writeFileSync(file, text);
  const read = engine.parseRunbookText(file, text);
  if (!read.ok) throw new Error(JSON.stringify(read.diagnostics));
  const validation = await engine.validateRunbookSource(read.source, engine.builtInRegistry());
  if (!validation.ok) throw new Error(JSON.stringify(validation.diagnostics));
  const { runbook, registry } = validation;
  const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
  const store = new engine.RunStore(stateDir);

  return async () => {
    const started = performance.now();
    const record = {
      format: engine.RUN_FORMAT,
      runId: engine.newRunId(),
      runbook: { path: file, name: runbook.name, version: runbook.version, sha256: engine.hashFiles(await engine.runbookFiles(file, runbook, registry)) },
      params: {},
      secretParams: [],
      settingsOverrides: {},
      engineVersion: engine.ENGINE_VERSION,
      startedAt: new Date().toISOString(),
      host: os.hostname(),
      user: os.userInfo().username,
    };
    const { journal, lock } = store.create(record, text, () => {});
    let result;
    try {
      result = await engine.executeRunbook({
        runbook,
        runbookFile: file,
        registry,
        params: {},
        redactor: new engine.Redactor(),
        runId: record.runId,
        dryRun: false,
        assumeYes: false,
        interactive: false,
        settingsOverrides: {},
        signal: new AbortController().signal,
        reporter: new engine.PlainReporter(nowhere, false),
        observers: [journal],
      });
    } finally {
      journal.close();
      lock.release();
    }
    const ms = performance.now() - started;
    if (result.status !== 'succeeded') throw new Error(`the benchmark runbook ${result.status}: ${JSON.stringify(result.failure)}`);
    return ms;
  };
}

/**
 * `stepwise run` of 1,000 steps whose last one fails, then `stepwise resume` of that run, both
 * in this process and whole (loading and validating the runbook included), their output
 * silenced. The resume restores 999 steps from the journal and runs the last one again.
 */
function resumeAgainstFullRun(engine, workspace, stateDir) {
  const file = path.join(workspace, 'fails-last.yaml');
  const steps = setSteps(999);
  steps.push('  - { id: last, type: assert, with: { that: "${{ steps.\\"step-1\\".outputs.n == `2` }}", message: the last step fails } }');
  writeFileSync(file, runbookText('fails-last', steps));
  const runsFolder = path.join(stateDir, 'runs');
  const runIds = () => new Set(readdirSync(runsFolder, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name));
  let failedRun;
  return {
    fullRun: async () => {
      const before = runIds();
      const ms = await time(() => quietly(() => engine.runCommand(file, { param: [], stateDir }), 1));
      failedRun = [...runIds()].find((id) => !before.has(id));
      return ms;
    },
    resume: () => time(() => quietly(() => engine.resumeCommand(failedRun, { stateDir }), 1)),
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
    printed += chunk;
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
