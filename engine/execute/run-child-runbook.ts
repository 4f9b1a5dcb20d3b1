import path from 'node:path';
import { UsageError } from '../exit-codes.js';
import type { Resolved } from '../expressions/evaluate.js';
import { renameUnknowns } from '../expressions/unknown.js';
import type { JsonObject } from '../json.js';
import { resolveParamValues } from '../params/resolve-params.js';
import type { Reporter } from '../report/reporter.js';
import { StepFailure } from '../step-failure.js';
import { formatDiagnostic } from '../validate/diagnostic.js';
import { validateRunbookFile } from '../validate/validate-runbook.js';
import type { RunEvent } from './events.js';
import type { RunState } from './run-state.js';
import { prefixedReview } from './plan-review.js';

/**
 * Runs a runbook as part of its parent's run. Its steps appear as `<parent-step>/<step>` in
 * progress and in the journal, so a dry-run shows them and a resume restores them one by one.
 */
export async function runChildRunbook(state: RunState, parentStepId: string, label: string, file: string, params: JsonObject, signal: AbortSignal): Promise<Resolved> {
  const { options } = state;
  const childFile = path.resolve(state.runbookDir, file);
  const stack = options.stack ?? [path.resolve(options.runbookFile)];
  if (stack.includes(childFile)) {
    throw new StepFailure(`runbook cycle: ${[...stack, childFile].join(' → ')}`, { code: 'invalid-input', retryable: false });
  }
  const validation = await validateRunbookFile(childFile, options.registry.base(), [...stack, childFile]);
  if (!validation.ok) {
    const errors = validation.diagnostics.filter((d) => d.severity === 'error');
    throw new StepFailure(`runbook ${file} is not valid (${errors.length} problem${errors.length === 1 ? '' : 's'})`, { code: 'invalid-input', retryable: false, details: errors.map(formatDiagnostic).join('\n') });
  }
  const resolved = childParams(validation.runbook.params, params, file);
  for (const secret of resolved.secrets) options.redactor.add(secret);
  const prefix = `${label}/`;
  const result = await state.execute({
    ...options,
    runbook: validation.runbook,
    runbookFile: childFile,
    registry: validation.registry,
    params: resolved.values,
    signal,
    stack: [...stack, childFile],
    reporter: prefixedReporter(state, prefix),
    observers: [],
    restore: options.restore ? (stepId, item) => options.restore!(prefix + stepId, item) : undefined,
    itemsSeen: options.itemsSeen ? (stepId) => options.itemsSeen!(prefix + stepId) : undefined,
    unrestorable: state.unrestorable,
    ...(options.review ? { review: prefixedReview(options.review, prefix) } : {}),
    stepPrefix: (options.stepPrefix ?? '') + prefix,
  });
  const ranBefore = state.childSteps.get(parentStepId) ?? [];
  state.childSteps.set(parentStepId, [...ranBefore, ...result.steps.map((step) => ({ ...step, id: prefix + step.id }))]);
  if (result.failure) {
    const { stepId, message, code, details } = result.failure;
    throw new StepFailure(`runbook ${file}, step "${stepId}": ${message}`, { code, retryable: false, ...(details ? { details } : {}) });
  }
  return renameUnknowns(result.outputs, (stepId) => prefix + stepId);
}

function childParams(specs: Parameters<typeof resolveParamValues>[0], params: JsonObject, file: string) {
  try {
    return resolveParamValues(specs, params);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new StepFailure(`runbook ${file}: ${error.details.join('; ')}`, { code: 'invalid-input', retryable: false });
  }
}

/** The child's events go through the parent's journal and reporter, its run boundaries do not. */
function prefixedReporter(state: RunState, prefix: string): Reporter {
  const parent = state.options.reporter;
  return {
    onEvent: async (event: RunEvent) => {
      if (event.type === 'run-started' || event.type === 'run-finished' || event.type === 'plugin-files-loaded') return;
      await state.emit({ ...event, stepId: prefix + event.stepId } as RunEvent);
    },
    view: (stepId) => parent.view(prefix + stepId),
    confirm: (message, signal) => parent.confirm(message, signal),
    close: async () => {},
  };
}
