import { settingsBlockOf, type Runbook, type StepSpec } from '../document/runbook.js';
import { resolveValue, type Resolved, type ResolvedObject } from '../expressions/evaluate.js';
import type { JsonObject } from '../json.js';
import type { FailureInfo, RunStatus } from './events.js';
import { asFailure, executeStep } from './execute-step.js';
import { redactResult } from './redact-event.js';
import type { RunFailure, RunResult, StepResult } from './run-result.js';
import { now, RunState, toJson, type RunOptions } from './run-state.js';

export type { RunResult } from './run-result.js';
export type { ItemRef, RestoreDecision, RunOptions } from './run-state.js';

/** A run's result as shown and returned: redacted. */
export async function executeRunbook(options: RunOptions): Promise<RunResult> {
  return redactResult(options.redactor, await executeRunbookUnredacted(options));
}

/**
 * The result with real values, for a sub-runbook's parent step: its outputs are the step's
 * outputs, which the parent's own rendering redacts (and marks unrestorable in the journal).
 */
async function executeRunbookUnredacted(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const state = new RunState(options, executeRunbookUnredacted);
  const { runbook } = options;
  await state.emit({ type: 'run-started', runId: options.runId, runbook: runbook.name, version: runbook.version, dryRun: options.dryRun, at: now() });
  resolveSettings(state);
  const steps: StepResult[] = runbook.steps.map((step) => ({ id: step.id, type: step.type, title: step.name ?? step.id, status: 'not-run', outputs: null, durationMs: 0 }));
  let status: RunStatus = options.dryRun ? 'planned' : 'succeeded';
  let failure: RunResult['failure'];
  try {
    for (const [index, step] of runbook.steps.entries()) {
      const result = await executeStep(step, state);
      steps[index] = result;
      if (result.status === 'failed' && endsTheRun(step, result.error!)) {
        failure = { ...result.error!, stepId: step.id };
        status = runStatusOf(result.error!.code);
        break;
      }
    }
  } finally {
    await runCleanups(state);
  }
  let outputs: Resolved = null;
  if (status === 'succeeded' || status === 'planned') {
    const resolved = resolveRunOutputs(runbook, state);
    if ('failure' in resolved) {
      failure = resolved.failure;
      status = 'failed';
    } else {
      outputs = resolved.outputs;
    }
  }
  const durationMs = Date.now() - started;
  await state.emit({ type: 'run-finished', status, outputs: toJson(outputs), durationMs, at: now() });
  await Promise.all(state.stopping);
  const allSteps = steps.flatMap((step) => [step, ...(state.childSteps.get(step.id) ?? [])]);
  return { runId: options.runId, status, outputs, steps: allSteps, failure, durationMs };
}

/**
 * Ctrl-C ends the run whatever the step's `onFailure` says: the operator asked to stop. So does
 * an approval not decided yet: going on would pass it unapproved.
 */
function endsTheRun(step: StepSpec, error: FailureInfo): boolean {
  // nor does a change that is not the reviewed one (apply stops at it), nor an approval not given
  return step.onFailure !== 'continue' || error.code === 'interrupted' || error.code === 'stale-plan' || error.code === 'waiting';
}

function runStatusOf(code: string): RunStatus {
  if (code === 'interrupted') return 'interrupted';
  if (code === 'declined' || code === 'rejected') return 'declined';
  if (code === 'waiting') return 'waiting';
  return 'failed';
}

function resolveSettings(state: RunState): void {
  const { runbook, registry, settingsOverrides } = state.options;
  const declared = Object.fromEntries(registry.settingsBlocks().map((block) => [block.name, settingsBlockOf(runbook, block.name)]));
  for (const name of new Set([...Object.keys(declared), ...Object.keys(settingsOverrides)])) {
    const resolved = resolveValue(declared[name] ?? {}, state.scope()) as JsonObject;
    const overrides = Object.fromEntries(Object.entries(settingsOverrides[name] ?? {}).filter(([, value]) => value !== undefined));
    state.settings[name] = { ...resolved, ...overrides };
  }
}

/**
 * An output that cannot be evaluated fails the run; the failure names it as `outputs.<name>`,
 * which no step id can be, since step ids have no dot.
 */
function resolveRunOutputs(runbook: Runbook, state: RunState): { outputs: Resolved } | { failure: RunFailure } {
  const outputs: ResolvedObject = {};
  for (const [name, expression] of Object.entries(runbook.outputs ?? {})) {
    try {
      outputs[name] = resolveValue(expression, state.scope());
    } catch (error) {
      return { failure: { ...asFailure(error), stepId: `outputs.${name}` } };
    }
  }
  return { outputs };
}

async function runCleanups(state: RunState): Promise<void> {
  for (const cleanup of state.cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      state.options.reporter.view('run').log(`cleanup failed: ${(error as Error).message}`);
    }
  }
}

