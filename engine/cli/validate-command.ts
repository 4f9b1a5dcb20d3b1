import type { StateCliOptions } from '../cli.js';
import { formatDiagnostic } from '../validate/diagnostic.js';
import { validateRunbookFile } from '../validate/validate-runbook.js';
import { ExitCode } from '../exit-codes.js';
import { builtInRegistry } from './builtin-registry.js';
import { builtInStateCatalog } from './builtin-state-backends.js';
import { openState } from './open-state.js';
import { readPastRuns, warnUnchangedVersion, type PastRuns } from './warn-unchanged-version.js';

export async function validateCommand(files: string[], options: StateCliOptions): Promise<void> {
  const registry = builtInRegistry();
  let invalid = 0;
  // reading files and importing step types wait on the disk, so the files are validated together
  const results = await Promise.all(files.map((file) => validateRunbookFile(file, registry)));
  // a state address that cannot be opened is refused as `run` refuses it
  const pastRuns: PastRuns = results.some((result) => result.ok) ? await readPastRuns((await openState(options, builtInStateCatalog())).backend) : { records: [] };
  if (pastRuns.problem) process.stderr.write(`stepwise: warning: ${pastRuns.problem}\n`);
  for (const [index, file] of files.entries()) {
    const result = results[index]!;
    const versionWarning = result.ok ? await warnUnchangedVersion(result, pastRuns.records) : undefined;
    for (const diagnostic of [...result.diagnostics, ...(versionWarning ? [versionWarning] : [])]) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    if (result.ok) process.stdout.write(`${file}: valid\n`);
    else invalid++;
  }
  if (invalid > 0) {
    process.stderr.write(`${invalid} of ${files.length} runbook${files.length === 1 ? '' : 's'} invalid\n`);
    process.exitCode = ExitCode.invalidInput;
  }
}
