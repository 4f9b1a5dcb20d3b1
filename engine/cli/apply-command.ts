import path from 'node:path';
import type { StateCliOptions } from './cli-options.js';
import type { ParamSpec, Runbook } from '../document/runbook.js';
import { canonicalJson } from '../canonical-json.js';
import { executeRunbook } from '../execute/execute-runbook.js';
import { InterruptedError, StalePlanError, StepFailedError, UsageError } from '../exit-codes.js';
import type { JsonObject, JsonValue } from '../json.js';
import { isRequired } from '../params/param-schema.js';
import { paramEnvName, resolveParams, resolveResumeParams } from '../params/resolve-params.js';
import { stepDifferences } from '../plans/compare-plan.js';
import { keptOutside } from '../plans/discard-kept.js';
import { hashEachFile, readPlanFile, runbookOf, type PlannedFileHash, type ReadPlan } from '../plans/plan-file.js';
import { applyReview, PlanRecorder } from '../plans/plan-recorder.js';
import type { Reporter } from '../report/reporter.js';
import { isCtrlCAtPrompt } from '../report/ctrl-c-at-prompt.js';
import { Redactor } from '../secrets.js';
import { hashFiles } from '../state/hash-files.js';
import type { RunRecord } from '../state/run-record.js';
import { ENGINE_VERSION } from '../version.js';
import { askParam } from './ask-secret-params.js';
import { builtInRegistry, builtInStateCatalog } from './builtins.js';
import { approvalDesk } from './approval-desk.js';
import { driveRun } from './drive-run.js';
import { prepareAnnouncer } from './prepare-announcer.js';
import { keepParse } from './kept-parse.js';
import { loadValidRunbook } from './load-valid-runbook.js';
import { onInterrupt } from './on-interrupt.js';
import { openState, type OpenedState } from './open-state.js';
import { claimForRun, refuseIfTaken } from './plan-taken.js';
import { commandLine } from './resume-command-line.js';
import { newRunId, runbookFiles, runRecord } from './run-command.js';

export interface ApplyCliOptions extends StateCliOptions {
  yes?: boolean;
  /** false with `--no-wait`. */
  wait?: boolean;
  json?: boolean;
}

/**
 * `stepwise apply PLAN`: the runbook as the plan file says it was reviewed, with the same params
 * and settings. Before anything is written or recorded, everything the plan was made from or
 * against is checked; a difference refuses the plan as stale (exit 2), listing each one.
 */
export async function applyCommand(planFile: string, options: ApplyCliOptions): Promise<void> {
  const read = readPlanFile(planFile);
  const { plan } = read;
  const file = runbookOf(read);
  const { runbook, registry, source } = await loadValidRunbook(file, builtInRegistry()).catch((error: unknown) => {
    if (error instanceof UsageError) throw new UsageError(`cannot apply ${planFile}: ${error.message}`, error.details, error.diagnostics);
    throw error;
  });
  const files = await runbookFiles(file, runbook, registry);
  const state = await openState(options, builtInStateCatalog());
  await refuseIfTaken(read, state);
  refuseIfStale(read, [...fileDifferences(plan.runbook.files, hashEachFile(files), path.dirname(file)), ...engineDifference(plan.engineVersion), ...paramDifferences(plan.params, runbook)], state);
  const { values, redactor } = await paramsForApply(read, runbook, commandLine(['stepwise', 'apply', read.file, ...state.arguments]));
  const interrupt = onInterrupt();
  const runId = newRunId();
  say(`checking ${planFile} against the system: its reads run again, nothing is written`);
  const check = new PlanRecorder('check', plan.steps);
  const checked = await executeRunbook({
    runbook,
    runbookFile: file,
    registry,
    params: values,
    redactor,
    runId,
    dryRun: true,
    assumeYes: false,
    interactive: false,
    settingsOverrides: plan.settingsOverrides,
    signal: interrupt.signal,
    reporter: SILENT,
    review: check,
  });
  if (checked.status === 'interrupted') throw new InterruptedError(`interrupted while checking ${planFile}; nothing was written or recorded`, [], interrupt.exitCode());
  if (checked.failure) {
    const { stepId, message } = checked.failure;
    throw new StepFailedError(`cannot check ${planFile}: step "${stepId}" failed: ${message}; nothing was written or recorded`);
  }
  refuseIfStale(read, [...stepDifferences(plan.steps, check.plannedSteps()), ...check.staleBases].map((line) => redactor.text(line)), state);

  const record: RunRecord = {
    ...runRecord(runId, file, runbook, values, plan.settingsOverrides, hashFiles(files)),
    plan: { path: path.resolve(planFile), sha256: read.sha256, madeBy: plan.madeBy, madeAt: plan.madeAt, steps: plan.steps.filter((step) => step.writes !== undefined) },
  };
  const announcer = prepareAnnouncer({ runbook, registry, runId, params: values, redactor, settingsOverrides: plan.settingsOverrides });
  await claimForRun(read, runId, state);
  const { journal, lock } = await state.backend.create(record, source.text, say, keepParse(source));
  say(`applying ${planFile} (made by ${plan.madeBy} at ${plan.madeAt}) as run ${runId}`);
  try {
    await driveRun({
      file,
      runbook,
      registry,
      runId,
      params: values,
      redactor,
      options: { ...options, param: [] },
      settingsOverrides: plan.settingsOverrides,
      journal,
      resumeArguments: state.arguments,
      review: applyReview(plan.steps),
      interrupt,
      plan: { path: record.plan!.path, sha256: read.sha256 },
      approvals: approvalDesk(state, runId, options.wait === false),
      ...(announcer ? { announcer } : {}),
    });
  } finally {
    await journal.close();
    await lock.release();
  }
}

/** The check pass shows nothing: the operator reviewed the plan already, and apply's run shows what it does. */
const SILENT: Reporter = {
  onEvent: () => {},
  view: () => ({ progress: () => {}, log: () => {}, note: () => {} }),
  confirm: async () => false,
  close: async () => {},
};

function say(message: string): void {
  process.stderr.write(`stepwise: ${message}\n`);
}

/** What the plan kept outside its file (a change set) is left as it is: a refusal writes nothing, and a new plan makes another. */
function refuseIfStale({ file, plan }: ReadPlan, differences: string[], state: OpenedState): void {
  if (differences.length === 0) return;
  const kept = keptOutside(plan).map(({ label, text }) => `${label}: apply leaves what the plan kept as it is: ${text}; a new plan makes another`);
  throw new StalePlanError(`stale plan: ${file} no longer matches what would run (${differences.length} difference${differences.length === 1 ? '' : 's'}); nothing was written:`, [
    ...differences,
    ...kept,
    ...(kept.length > 0 ? [`to remove what the plan kept: ${commandLine(['stepwise', 'discard', file, ...state.arguments])}`] : []),
    `make a new plan with \`stepwise plan ... --out ${file}\` and review it`,
  ]);
}

/** Each file the plan was made from that changed, went, or is loaded now and was not then. */
function fileDifferences(planned: readonly PlannedFileHash[], now: readonly PlannedFileHash[], runbookDir: string): string[] {
  const shown = (file: string) => path.relative(process.cwd(), path.resolve(runbookDir, file)) || file;
  const before = new Map(planned.map((entry) => [entry.path, entry.sha256]));
  const after = new Map(now.map((entry) => [entry.path, entry.sha256]));
  const lines: string[] = [];
  for (const [file, sha256] of before) {
    if (!after.has(file)) lines.push(`${shown(file)}: loaded when the plan was made, no longer`);
    else if (after.get(file) !== sha256) lines.push(`${shown(file)}: changed since the plan was made`);
  }
  for (const file of after.keys()) if (!before.has(file)) lines.push(`${shown(file)}: loaded now, not when the plan was made`);
  return lines;
}

function engineDifference(planned: string): string[] {
  return planned === ENGINE_VERSION ? [] : [`the plan was made by stepwise ${planned}; this is stepwise ${ENGINE_VERSION}`];
}

/**
 * apply takes its params from the plan; a param the environment gives (STEPWISE_PARAM_<NAME>)
 * with another value says the operator means another run than the one reviewed. Secret ones,
 * never stored, cannot be compared.
 */
function paramDifferences(planned: JsonObject, runbook: Runbook): string[] {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(runbook.params ?? {})) {
    const text = process.env[paramEnvName(name)];
    if (spec.secret || text === undefined) continue;
    const given = readParam(name, spec, text);
    if (canonicalJson(given) !== canonicalJson(planned[name] ?? spec.default ?? null)) {
      lines.push(`param "${name}": ${paramEnvName(name)} gives ${JSON.stringify(given)}; the plan was made with ${JSON.stringify(planned[name] ?? null)}`);
    }
  }
  return lines;
}

/** A param's text read as `run` reads it (YAML for a non-string); one that does not fit its type is refused there. */
function readParam(name: string, spec: ParamSpec, text: string): JsonValue {
  return resolveParams({ [name]: { ...spec, secret: false } }, {}, { [paramEnvName(name)]: text }).values[name] ?? null;
}

/**
 * The plan's params, checked against the runbook as on a new run, and the secret ones, never
 * stored: from STEPWISE_PARAM_<NAME>, else typed at the terminal.
 */
async function paramsForApply({ file, plan }: ReadPlan, runbook: Runbook, applyLine: string): Promise<{ values: JsonObject; redactor: Redactor }> {
  const specs = runbook.params ?? {};
  const secret = Object.keys(specs).filter((name) => specs[name]!.secret);
  const given = Object.fromEntries(secret.flatMap((name) => (process.env[paramEnvName(name)] === undefined ? [] : [[name, process.env[paramEnvName(name)]!]])));
  const missing = secret.filter((name) => !(name in given) && specs[name]!.default === undefined && isRequired(specs[name]! as JsonObject));
  const typed = missing.length > 0 ? await askSecrets(missing, specs, applyLine) : {};
  const resolved = resolveResumeParams(specs, plan.params, { ...given, ...typed }, file, (name) => `${paramEnvName(name)}=... ${applyLine}`);
  const redactor = new Redactor();
  for (const value of resolved.secrets) redactor.add(value);
  return { values: resolved.values, redactor };
}

async function askSecrets(names: string[], specs: Record<string, ParamSpec>, applyLine: string): Promise<Record<string, string>> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError('the plan has secret parameters, which a plan file never holds; give them again:', names.map((name) => `${paramEnvName(name)}=... ${applyLine}`));
  }
  const typed: Record<string, string> = {};
  for (const name of names) {
    const about = specs[name]!.description ? ` (${specs[name]!.description})` : '';
    try {
      typed[name] = await askParam(specs[name]!, `secret parameter ${name}${about} (never stored):`, process.env);
    } catch (error) {
      if (isCtrlCAtPrompt(error)) throw new InterruptedError(`interrupted at the question for the secret parameter ${name}; nothing was run`);
      throw error;
    }
  }
  return typed;
}
