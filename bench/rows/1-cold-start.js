// A fresh `stepwise` process, against a fresh `node` that does nothing: what starting costs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { allRunbooks, CLI, compare, REPO, row, timeProcess } from '../lib/measure.js';

/** Cold starts are short and noisy: more samples than the in-process rows. */
const COLD_REPEAT = 7;
/** `validate` exits 2 for an invalid runbook: it did the same work, so it still counts. */
const VALIDATE_EXIT_CODES = [0, 2];

export default async function coldStart() {
  const runbooks = (await allRunbooks()).map((file) => path.relative(REPO, file));
  const validateArgs = [CLI, 'validate', ...runbooks];
  const { bare, help, validate } = await compare(
    {
      bare: () => timeProcess(process.execPath, ['-e', '0']),
      help: () => timeProcess(process.execPath, [CLI, '--help']),
      validate: () => timeProcess(process.execPath, validateArgs, { okExitCodes: VALIDATE_EXIT_CODES }),
    },
    COLD_REPEAT,
  );
  return [
    row({ name: 'cold stepwise --help', baseline: 'node -e 0', baselineMs: bare, measuredMs: help, target: 3 }),
    row({ name: `cold stepwise validate (${describeRunbooks(runbooks, validateArgs)})`, baseline: 'node -e 0', baselineMs: bare, measuredMs: validate, target: 3 }),
  ];
}

function describeRunbooks(runbooks, validateArgs) {
  const stdout = spawnSync(process.execPath, validateArgs, { cwd: REPO, encoding: 'utf8' }).stdout;
  const invalid = runbooks.length - stdout.split('\n').filter((line) => line.endsWith(': valid')).length;
  return `${runbooks.length} runbook${runbooks.length === 1 ? '' : 's'} under runbooks/${invalid > 0 ? `, ${invalid} invalid` : ''}`;
}
