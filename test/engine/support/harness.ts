import { stringify } from 'yaml';
import type { Runbook } from '../../../engine/document/runbook.js';
import { executeRunbook, type RunOptions, type RunResult } from '../../../engine/execute/execute-runbook.js';
import type { JsonObject, JsonValue } from '../../../engine/json.js';
import { parseRunbookText } from '../../../engine/load/read-runbook-file.js';
import { StepRegistry } from '../../../engine/registry.js';
import type { SettingsBlock } from '../../../engine/step-family.js';
import { Redactor } from '../../../engine/secrets.js';
import type { Effect, JsonSchema, Plan, StepContext, StepDefinition } from '../../../engine/step-definition.js';
import { formatDiagnostic } from '../../../engine/validate/diagnostic.js';
import { validateRunbookSource } from '../../../engine/validate/validate-runbook.js';
import { RecordingReporter } from './recording-reporter.js';

/** Where the test runbooks pretend to live; nothing is read from or written to it. */
export const RUNBOOK_FILE = '/nonexistent/stepwise-tests/test.yaml';

/** A step type made for a test, and every input its `run` was called with. */
export interface TestStep {
  readonly definition: StepDefinition;
  readonly calls: JsonObject[];
  /** The signal each `run` call received, in call order. */
  readonly signals: AbortSignal[];
}

export interface TestStepOptions {
  effect?: Effect | ((input: JsonObject) => Effect);
  input?: JsonSchema;
  /** Default: returns its input. `call` counts from 1. */
  run?: (ctx: StepContext, input: JsonObject, call: number) => Promise<JsonValue>;
  check?: (ctx: StepContext, input: JsonObject) => Promise<boolean>;
  plan?: (ctx: StepContext, input: JsonObject) => Promise<Plan>;
}

export function testStep(type: string, options: TestStepOptions = {}): TestStep {
  const calls: JsonObject[] = [];
  const signals: AbortSignal[] = [];
  const definition: StepDefinition = {
    type,
    description: `${type}, made for a test`,
    effect: options.effect ?? 'read',
    input: options.input ?? { type: 'object' },
    ...(options.check ? { check: options.check } : {}),
    ...(options.plan ? { plan: options.plan } : {}),
    async run(ctx, input) {
      calls.push(input);
      signals.push(ctx.signal);
      return options.run ? options.run(ctx, input, calls.length) : input;
    },
  };
  return { definition, calls, signals };
}

/** The settings block of the test steps' family, as a cloud family would declare its region. */
export const TEST_SETTINGS: SettingsBlock = {
  name: 'cloud',
  schema: { type: 'object', additionalProperties: false, properties: { region: { type: 'string' }, profile: { type: 'string' } } },
  markdown: 'Where the test steps call.',
};

function registryOf(steps: readonly TestStep[]): StepRegistry {
  const catalog = Object.fromEntries(steps.map(({ definition }) => [definition.type, async () => ({ default: definition })]));
  return StepRegistry.ofFamilies([{ steps: catalog, settings: [TEST_SETTINGS] }], 'test steps');
}

/** The parts of a runbook a test writes; the rest gets fixed values. */
export type RunbookBody = Omit<Runbook, 'apiVersion' | 'name' | 'version'> & Partial<Pick<Runbook, 'name' | 'version'>> & { cloud?: JsonObject };

/** Goes through the same YAML parsing and validation as a file, so a test cannot run a runbook `validate` would refuse. */
async function loadRunbook(document: RunbookBody | string, registry: StepRegistry): Promise<Runbook> {
  const text = typeof document === 'string' ? document : stringify({ apiVersion: 'stepwise/v1', name: 'test', version: '1.0.0', ...document });
  const read = parseRunbookText(RUNBOOK_FILE, text);
  if (!read.ok) throw new Error(`the test's runbook does not parse:\n${read.diagnostics.map(formatDiagnostic).join('\n')}`);
  const validation = await validateRunbookSource(read.source, registry);
  if (!validation.ok) throw new Error(`the test's runbook is invalid:\n${validation.diagnostics.map(formatDiagnostic).join('\n')}\n${text}`);
  return validation.runbook;
}

export type RunOverrides = Partial<Omit<RunOptions, 'runbook' | 'registry' | 'reporter'>> & { reporter?: RecordingReporter };

export interface FinishedRun {
  result: RunResult;
  reporter: RecordingReporter;
}

export async function runRunbook(document: RunbookBody | string, steps: readonly TestStep[], overrides: RunOverrides = {}): Promise<FinishedRun> {
  const registry = registryOf(steps);
  const runbook = await loadRunbook(document, registry);
  const reporter = overrides.reporter ?? new RecordingReporter();
  const result = await executeRunbook({
    runbookFile: RUNBOOK_FILE,
    params: {},
    redactor: new Redactor(),
    runId: 'run-test',
    dryRun: false,
    assumeYes: false,
    interactive: false,
    settingsOverrides: {},
    signal: new AbortController().signal,
    env: {},
    ...overrides,
    runbook,
    registry,
    reporter,
  });
  return { result, reporter };
}

/** The step results by id, for assertions that read like the runbook. */
export function stepsById(result: RunResult): Record<string, RunResult['steps'][number]> {
  return Object.fromEntries(result.steps.map((step) => [step.id, step]));
}

/** Settles when `signal` aborts: for steps that honour their signal and otherwise never finish. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Never settles: a step that ignores its signal. */
export function forever(): Promise<never> {
  return new Promise(() => undefined);
}
