import path from 'node:path';
import type { StateCliOptions } from './cli-options.js';
import { diagnosticJson, formatDiagnostic } from '../validate/diagnostic.js';
import { readingEachFileOnce, validateRunbookFile } from '../validate/validate-runbook.js';
import { ExitCode } from '../exit-codes.js';
import { builtInRegistry, builtInStateCatalog } from './builtins.js';
import { openState } from './open-state.js';
import { readPastRuns, warnUnchangedVersion, type PastRuns } from './warn-unchanged-version.js';

export async function validateCommand(files: string[], options: StateCliOptions & { json?: boolean }): Promise<void> {
  const registry = builtInRegistry();
  // reading files and importing step types wait on the disk, so the files are validated together
  const read = readingEachFileOnce();
  const results = await Promise.all(files.map((file) => validateRunbookFile(file, registry, [path.resolve(file)], read)));
  // a state address that cannot be opened is refused as `run` refuses it
  const pastRuns: PastRuns = results.some((result) => result.ok) ? await readPastRuns((await openState(options, builtInStateCatalog())).backend) : { records: [] };
  const verdicts = await Promise.all(
    files.map(async (file, index) => {
      const result = results[index]!;
      const versionWarning = result.ok ? await warnUnchangedVersion(result, pastRuns.records) : undefined;
      return { file, valid: result.ok, diagnostics: [...result.diagnostics, ...(versionWarning ? [versionWarning] : [])] };
    }),
  );
  const invalid = verdicts.filter((verdict) => !verdict.valid).length;
  if (invalid > 0) process.exitCode = ExitCode.invalidInput;
  if (options.json) {
    const document = { valid: invalid === 0, warnings: pastRuns.problem ? [pastRuns.problem] : [], files: verdicts.map((verdict) => ({ ...verdict, diagnostics: verdict.diagnostics.map(diagnosticJson) })) };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  if (pastRuns.problem) process.stderr.write(`stepwise: warning: ${pastRuns.problem}\n`);
  for (const verdict of verdicts) {
    for (const diagnostic of verdict.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    if (verdict.valid) process.stdout.write(`${verdict.file}: valid\n`);
  }
  if (invalid > 0) process.stderr.write(`${invalid} of ${files.length} runbook${files.length === 1 ? '' : 's'} invalid\n`);
}
