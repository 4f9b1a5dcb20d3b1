import { formatDiagnostic } from '../validate/diagnostic.js';
import { validateRunbookFile } from '../validate/validate-runbook.js';
import { ExitCode } from '../exit-codes.js';
import { builtInRegistry } from './builtin-registry.js';
import { warnUnchangedVersion } from './warn-unchanged-version.js';

export async function validateCommand(files: string[], options: { stateDir: string }): Promise<void> {
  const registry = builtInRegistry();
  let invalid = 0;
  // reading files and importing step types wait on the disk, so the files are validated together
  const results = await Promise.all(files.map((file) => validateRunbookFile(file, registry)));
  for (const [index, file] of files.entries()) {
    const result = results[index]!;
    const versionWarning = result.ok ? await warnUnchangedVersion(result, options.stateDir) : undefined;
    for (const diagnostic of [...result.diagnostics, ...(versionWarning ? [versionWarning] : [])]) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    if (result.ok) process.stdout.write(`${file}: valid\n`);
    else invalid++;
  }
  if (invalid > 0) {
    process.stderr.write(`${invalid} of ${files.length} runbook${files.length === 1 ? '' : 's'} invalid\n`);
    process.exitCode = ExitCode.invalidInput;
  }
}
