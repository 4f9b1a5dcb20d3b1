import path from 'node:path';
import { hasExpression } from '../expressions/template.js';
import { isJsonObject } from '../json.js';
import type { StepRegistry } from '../registry.js';
import { stepsOf } from './check-steps.js';
import type { Diagnostic } from './diagnostic.js';
import type { Report } from './report.js';
import { validateRunbookFile } from './validate-runbook.js';

/**
 * Runbooks that steps run are validated with their parent, errors located in their own files;
 * a runbook that would end up running itself is refused, and so is a path that only a run
 * could know.
 */
export async function checkIncludes(document: unknown, file: string, registry: StepRegistry, report: Report, stack: readonly string[]): Promise<Diagnostic[]> {
  const childDiagnostics: Diagnostic[] = [];
  for (const { step, index } of stepsOf(document)) {
    if (typeof step.type !== 'string' || !registry.has(step.type) || !isJsonObject(step.with ?? {})) continue;
    const definition = await registry.load(step.type);
    if (!definition.includes) continue;
    for (const included of definition.includes((step.with ?? {}) as never)) {
      const at = ['steps', index, 'with', 'path'];
      if (hasExpression(included)) {
        report.at(at, `the runbook a step runs is written out, not computed by \${{ }}: validate checks it, the run's hash covers it and a cycle is refused before anything runs; choose between runbooks with two steps and \`if\``);
        continue;
      }
      const child = path.resolve(path.dirname(path.resolve(file)), included);
      if (stack.includes(child)) {
        report.at(at, `runbook cycle: ${[...stack, child].map((f) => path.relative(process.cwd(), f) || f).join(' → ')}`);
        continue;
      }
      const result = await validateRunbookFile(child, registry.base(), [...stack, child]);
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      if (errors > 0) report.at(at, `runbook ${included} has ${errors} problem${errors === 1 ? '' : 's'} (listed with its own file)`);
      childDiagnostics.push(...result.diagnostics);
    }
  }
  return childDiagnostics;
}
