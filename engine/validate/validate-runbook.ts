import { readRunbookFile, type ReadResult, type RunbookSource } from '../load/read-runbook-file.js';
import type { Runbook } from '../document/runbook.js';
import type { StepRegistry } from '../registry.js';
import path from 'node:path';
import { loadPlugins } from '../load/load-plugins.js';
import { checkDocument } from './check-document.js';
import { checkIncludes } from './check-includes.js';
import { checkExpressions } from './check-expressions.js';
import { checkForEachLists } from './check-for-each.js';
import { checkParamDefaults } from './check-params.js';
import { checkOutputSelectors } from './check-selectors.js';
import { checkSkipReasons, checkStepInputs, checkUniqueIds } from './check-steps.js';
import { sortDiagnostics, type Diagnostic } from './diagnostic.js';
import { Report } from './report.js';

export type Validation =
  /** `registry` holds the built-in step types and this runbook's plugins. */
  | { ok: true; runbook: Runbook; source: RunbookSource; diagnostics: Diagnostic[]; registry: StepRegistry }
  | { ok: false; diagnostics: Diagnostic[] };

/** How a runbook file is read and parsed, for it and for the runbooks it runs. */
export type ReadRunbook = (file: string) => Promise<ReadResult>;

/**
 * Reads and parses each file once, for runbooks validated together: a sub-runbook is met as a
 * file of its own and again in each runbook that runs it. Each read names the file as asked.
 */
export function readingEachFileOnce(): ReadRunbook {
  const reads = new Map<string, Promise<ReadResult>>();
  return async (file) => {
    const absolute = path.resolve(file);
    if (!reads.has(absolute)) reads.set(absolute, readRunbookFile(file));
    const read = await reads.get(absolute)!;
    return read.ok ? { ok: true, source: { ...read.source, file } } : { ok: false, diagnostics: read.diagnostics.map((diagnostic) => ({ ...diagnostic, file })) };
  };
}

/** Every problem of a runbook file, not only the first, each located. */
export async function validateRunbookFile(file: string, registry: StepRegistry, stack: readonly string[] = [path.resolve(file)], read: ReadRunbook = readRunbookFile): Promise<Validation> {
  const result = await read(file);
  if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
  return validateRunbookSource(result.source, registry, stack, read);
}

/** `stack`: the runbook files that run this one, outermost first, to refuse cycles. */
export async function validateRunbookSource(source: RunbookSource, builtIn: StepRegistry, stack: readonly string[] = [path.resolve(source.file)], read: ReadRunbook = readRunbookFile): Promise<Validation> {
  const report = new Report(source.file, source.map);
  const document = source.value;
  // first: a plugin may declare a settings block, which the document schema then allows
  const registry = await loadPlugins(document, source.file, builtIn, report);
  checkDocument(document, registry.settingsBlocks(), registry.notifyChannels(), report);
  checkUniqueIds(document, report);
  checkSkipReasons(document, report);
  checkParamDefaults(document, report);
  await checkStepInputs(document, registry, report);
  checkExpressions(document, report);
  checkOutputSelectors(document, report);
  checkForEachLists(document, report);
  const children = await checkIncludes(document, source.file, registry, report, stack, (child, childRegistry, childStack) => validateRunbookFile(child, childRegistry, childStack, read));
  const diagnostics = [...sortDiagnostics(report.diagnostics), ...children];
  if (diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics };
  return { ok: true, runbook: document as Runbook, source, diagnostics, registry };
}
