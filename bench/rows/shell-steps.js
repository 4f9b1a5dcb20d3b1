// 200 `shell` steps running /bin/true through the engine, against the same 200 spawns without it.
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { compare, importBuilt, REPO, row, time } from '../lib/measure.js';

const STEPS = 200;
const PROGRAM = '/bin/true';

export default async function shellSteps({ repeat }) {
  const run = await engineRun();
  const { execute, bareExeca, bashLoop } = await compare(
    {
      execute: run,
      bareExeca: () =>
        time(async () => {
          for (let i = 0; i < STEPS; i++) await execa(PROGRAM);
        }),
      bashLoop: () => time(() => execa('bash', ['-c', `for i in $(seq ${STEPS}); do ${PROGRAM}; done`])),
    },
    repeat,
  );
  return [
    row({ name: `${STEPS} shell steps (${PROGRAM}) vs bare execa`, baseline: `${STEPS} × execa() in Node`, baselineMs: bareExeca, measuredMs: execute, target: 1.2 }),
    row({ name: `${STEPS} shell steps (${PROGRAM}) vs bash loop`, baseline: `bash for-loop of ${STEPS}`, baselineMs: bashLoop, measuredMs: execute }),
  ];
}

/** What `stepwise run` does once the runbook is valid: executeRunbook, built-in registry, plain reporter. */
async function engineRun() {
  const [{ parseRunbookText }, { validateRunbookSource }, { builtInRegistry }, { executeRunbook }, { PlainReporter }, { Redactor }] = await Promise.all([
    importBuilt('engine/load/read-runbook-file.js'),
    importBuilt('engine/validate/validate-runbook.js'),
    importBuilt('engine/cli/builtin-registry.js'),
    importBuilt('engine/execute/execute-runbook.js'),
    importBuilt('engine/report/plain-reporter.js'),
    importBuilt('engine/secrets.js'),
  ]);
  const steps = Array.from({ length: STEPS }, (_, i) => `  - { id: step-${i + 1}, type: shell, with: { command: [${PROGRAM}] } }`);
  const text = ['apiVersion: stepwise/v1', 'name: bench-shell', 'version: 1.0.0', 'steps:', ...steps, ''].join('\n');
  const file = `${REPO}bench/shell-steps.yaml`;
  const read = parseRunbookText(file, text);
  if (!read.ok) throw new Error(JSON.stringify(read.diagnostics));
  const validation = await validateRunbookSource(read.source, builtInRegistry());
  if (!validation.ok) throw new Error(JSON.stringify(validation.diagnostics));
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
    if (result.status !== 'succeeded') throw new Error(`the benchmark runbook ${result.status}: ${JSON.stringify(result.failure)}`);
    return ms;
  };
}
