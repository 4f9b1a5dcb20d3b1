/** Runs a whole runbook file the way the engine does, recording what it reports. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtInRegistry } from '../../../engine/cli/builtins.js';
import type { RunEvent } from '../../../engine/execute/events.js';
import { executeRunbook, type RunResult } from '../../../engine/execute/execute-runbook.js';
import type { JsonObject } from '../../../engine/json.js';
import type { Reporter, StepView } from '../../../engine/report/reporter.js';
import { Redactor } from '../../../engine/secrets.js';
import { StepFailure } from '../../../engine/step-failure.js';
import { formatDiagnostic } from '../../../engine/validate/diagnostic.js';
import { validateRunbookFile } from '../../../engine/validate/validate-runbook.js';

/** Runs `promise` to its StepFailure, failing when it resolves or throws something else. */
export async function failureOf(promise: Promise<unknown>): Promise<StepFailure> {
  let outcome: unknown;
  try {
    await promise;
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof StepFailure)) throw new Error(`expected a StepFailure, got ${String(outcome)}`);
  return outcome;
}

export class RecordingReporter implements Reporter {
  readonly events: RunEvent[] = [];
  readonly lines: string[] = [];

  onEvent(event: RunEvent): void {
    this.events.push(event);
  }

  view(label: string): StepView {
    return {
      progress: (message) => void this.lines.push(`${label} progress: ${message}`),
      log: (message) => void this.lines.push(`${label} log: ${message}`),
      note: (message) => void this.lines.push(`${label} note: ${message}`),
    };
  }

  async confirm(message: string): Promise<boolean> {
    throw new Error(`the test did not expect the question: ${message}`);
  }

  async close(): Promise<void> {}
}

export interface FinishedRun {
  result: RunResult;
  reporter: RecordingReporter;
}

/** Writes `yaml` as a runbook file in `dir`, validates it like `stepwise run` and runs it with the built-in steps. */
export async function runRunbookFile(
  dir: string,
  yaml: string,
  options: { dryRun?: boolean; signal?: AbortSignal; params?: JsonObject; reporter?: RecordingReporter } = {},
): Promise<FinishedRun> {
  const file = path.join(dir, `runbook-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  const validation = await validateRunbookFile(file, builtInRegistry());
  if (!validation.ok) throw new Error(`the test's runbook is invalid:\n${validation.diagnostics.map(formatDiagnostic).join('\n')}`);
  const reporter = options.reporter ?? new RecordingReporter();
  const result = await executeRunbook({
    runbook: validation.runbook,
    runbookFile: file,
    registry: validation.registry,
    params: options.params ?? {},
    redactor: new Redactor(),
    runId: 'run-test',
    dryRun: options.dryRun ?? false,
    assumeYes: false,
    interactive: false,
    settingsOverrides: {},
    signal: options.signal ?? new AbortController().signal,
    reporter,
  });
  return { result, reporter };
}

/** `yaml` text of a runbook with these steps (each a YAML mapping rendered with JSON syntax). */
export function runbookYaml(steps: readonly JsonObject[]): string {
  return ['apiVersion: stepwise/v1', 'name: test', 'version: 1.0.0', 'steps:', ...steps.map((step) => `  - ${JSON.stringify(step)}`)].join('\n') + '\n';
}
