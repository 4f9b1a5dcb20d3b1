import { readRunbookFile, type RunbookSource } from '../load/read-runbook-file.js';
import type { Runbook } from '../document/runbook.js';
import type { StepRegistry } from '../registry.js';
import { checkDocument } from './check-document.js';
import { checkExpressions } from './check-expressions.js';
import { checkParamDefaults } from './check-params.js';
import { checkStepInputs, checkUniqueIds } from './check-steps.js';
import { sortDiagnostics, type Diagnostic } from './diagnostic.js';
import { Report } from './report.js';

export type Validation =
  | { ok: true; runbook: Runbook; source: RunbookSource; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** Every problem of a runbook file, not only the first, each located. */
export async function validateRunbookFile(file: string, registry: StepRegistry): Promise<Validation> {
  const read = await readRunbookFile(file);
  if (!read.ok) return { ok: false, diagnostics: read.diagnostics };
  return validateRunbookSource(read.source, registry);
}

export async function validateRunbookSource(source: RunbookSource, registry: StepRegistry): Promise<Validation> {
  const report = new Report(source.file, source.map);
  const document = source.value;
  checkDocument(document, report);
  checkUniqueIds(document, report);
  checkParamDefaults(document, report);
  await checkStepInputs(document, registry, report);
  checkExpressions(document, report);
  const diagnostics = sortDiagnostics(report.diagnostics);
  if (report.errorCount > 0) return { ok: false, diagnostics };
  return { ok: true, runbook: document as Runbook, source, diagnostics };
}
