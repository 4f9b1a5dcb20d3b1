import { existsSync } from 'node:fs';
import os from 'node:os';
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
import { hashEachFile, readPlanFile, type PlannedFileHash, type ReadPlan } from '../plans/plan-file.js';
import { applyReview, PlanRecorder, writeLabel } from '../plans/plan-recorder.js';
import type { Reporter } from '../report/reporter.js';
import { isCtrlCAtPrompt } from '../report/ctrl-c-at-prompt.js';
import { Redactor } from '../secrets.js';
import { hashFiles } from '../state/hash-files.js';
import type { PlanClaim } from '../state/plan-claim.js';
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
import { commandLine, resumeCommandLine } from './resume-command-line.js';
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
  refuseIfStale(read, [...fileDifferences(plan.runbook.files, hashEachFile(files), path.dirname(file)), ...engineDifference(plan.engineVersion), ...paramDifferences(plan.params, runbook)]);
  const state = await openState(options, builtInStateCatalog());
  await refuseIfTaken(read, state);
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
  refuseIfStale(read, [...stepDifferences(plan.steps, check.plannedSteps()), ...check.staleBases].map((line) => redactor.text(line)));

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

/**
 * A plan is carried out once: what it was made against is what its first apply changed. A run
 * that applied it and stopped is resumed, not applied again; a discarded plan has nothing left to apply.
 * Asked before the check, so that a plan taken already is refused at once; taken for good after it.
 */
async function refuseIfTaken(read: ReadPlan, state: OpenedState): Promise<void> {
  const claim = await state.backend.planClaim(read.sha256);
  if (claim) throw await takenAlready(read, claim, state);
}

/**
 * Takes the plan for this run, with a write that only creates: of two applies of one plan at the
 * same moment, one runs, and the other is refused as if the first had finished.
 */
async function claimForRun(read: ReadPlan, runId: string, state: OpenedState): Promise<void> {
  const claim = await state.backend.claimPlan({ plan: read.sha256, by: 'apply', runId, at: new Date().toISOString(), user: os.userInfo().username });
  if (claim) throw await takenAlready(read, claim, state);
}

async function takenAlready({ file }: ReadPlan, claim: PlanClaim, state: OpenedState): Promise<StalePlanError> {
  const newPlan = `for another change, make a new plan with \`stepwise plan ... --out ${file}\` and review it`;
  if (claim.by === 'discard') return new StalePlanError(`stale plan: ${file} was discarded (at ${claim.at} by ${claim.user}); nothing was written:`, [newPlan]);
  return new StalePlanError(`stale plan: ${file} was applied already, by run ${claim.runId} (started ${claim.at} by ${claim.user}); nothing was written:`, [await howThatRunEnded(claim.runId, state), newPlan]);
}

/** A run that carried the plan out is done with it; one that stopped is resumed, not applied again. */
export async function howThatRunEnded(runId: string, state: OpenedState): Promise<string> {
  const overview = await state.backend.overview(runId).catch(() => undefined);
  // taken by an apply that has not recorded its run yet, or died before it could
  if (!overview) return `that run is starting now, or stopped before it recorded itself: see \`${commandLine(['stepwise', 'runs', ...state.arguments])}\``;
  const last = overview.lastEntry;
  if (last?.type === 'run-finished' && last.status === 'succeeded') return `that run succeeded: what the plan reviewed is done`;
  if (last?.type !== 'run-finished' && overview.locked) return `that run is going on now: follow it with \`${commandLine(['stepwise', 'show', runId, ...state.arguments])}\``;
  const how = last?.type === 'run-finished' ? `ended ${last.status}` : 'stopped before its end';
  return `that run ${how}: go on with it: ${resumeCommandLine(runId, state.arguments)}`;
}

/** What the plan kept outside its file (a change set) is left as it is: a refusal writes nothing, and a new plan makes another. */
function refuseIfStale({ file, plan }: ReadPlan, differences: string[]): void {
  if (differences.length === 0) return;
  const keptOutside = plan.steps.flatMap((step) => (step.writes ?? []).flatMap((write) => (write.keptOutside ? [`${writeLabel(step.id, write.itemKey)}: apply leaves what the plan kept as it is: ${write.keptOutside}; a new plan makes another`] : [])));
  throw new StalePlanError(`stale plan: ${file} no longer matches what would run (${differences.length} difference${differences.length === 1 ? '' : 's'}); nothing was written:`, [
    ...differences,
    ...keptOutside,
    ...(keptOutside.length > 0 ? [`to remove what the plan kept: ${commandLine(['stepwise', 'discard', file])}`] : []),
    `make a new plan with \`stepwise plan ... --out ${file}\` and review it`,
  ]);
}

/**
 * The runbook the plan was made from: where it was, else the same path from the plan file's
 * folder (a plan that travelled with its checkout). Its hashes then tell whether it is the same.
 */
export function runbookOf({ file, plan }: ReadPlan): string {
  const fromPlan = path.resolve(path.dirname(file), plan.runbook.fromPlan);
  for (const candidate of [plan.runbook.path, fromPlan]) if (existsSync(candidate)) return candidate;
  throw new UsageError(`${file}: the plan's runbook is not at ${plan.runbook.path} nor at ${fromPlan} (its path from the plan file); apply the plan where its runbook is`);
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
