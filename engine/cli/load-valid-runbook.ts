import { UsageError } from '../exit-codes.js';
import type { StepRegistry } from '../registry.js';
import { formatDiagnostic } from '../validate/diagnostic.js';
import { validateRunbookFile, type ReadRunbook } from '../validate/validate-runbook.js';

/** A runbook ready to run, or a UsageError listing every located problem. */
export async function loadValidRunbook(file: string, registry: StepRegistry, read?: ReadRunbook) {
  const result = await validateRunbookFile(file, registry, undefined, read);
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
  for (const warning of warnings) process.stderr.write(`${formatDiagnostic(warning)}\n`);
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new UsageError(`${file} is not a valid runbook (${errors.length} problem${errors.length === 1 ? '' : 's'}):`, errors.map(formatDiagnostic), result.diagnostics);
  }
  return result;
}
