import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RunCliOptions } from '../cli.js';
import type { Runbook, StepSpec } from '../document/runbook.js';
import { DeclinedError, InterruptedError, UsageError } from '../exit-codes.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../json.js';
import { parseRunbookText } from '../load/read-runbook-file.js';
import { paramEnvName, resolveParams } from '../params/resolve-params.js';
import type { StepRegistry } from '../registry.js';
import { isCtrlCAtPrompt } from '../report/ctrl-c-at-prompt.js';
import { Redactor } from '../secrets.js';
import { hashFiles } from '../state/hash-files.js';
import { replayJournal, type Replay } from '../state/replay.js';
import type { StoredRun } from '../state/state-backend.js';
import { didYouMean } from '../validate/did-you-mean.js';
import { builtInRegistry } from './builtin-registry.js';
import { builtInStateCatalog } from './builtin-state-backends.js';
import { driveRun } from './drive-run.js';
import { loadValidRunbook } from './load-valid-runbook.js';
import { openState, type OpenedState } from './open-state.js';
import { resumeCommandLine } from './resume-command-line.js';
import { runbookFiles } from './run-command.js';

export interface ResumeCliOptions extends Omit<RunCliOptions, 'param' | 'dryRun'> {
  from?: string;
  allowChanged?: boolean;
  /** The runbook file, when it is not where the run started. */
  runbook?: string;
}

export async function resumeCommand(runId: string, options: ResumeCliOptions): Promise<void> {
  const state = await openState(options, builtInStateCatalog(), process.env, process.cwd(), { existing: true });
  const lock = await state.backend.lock(runId, say);
  try {
    await resumeLocked(await state.backend.open(runId), state, options);
  } finally {
    await lock.release();
  }
}

async function resumeLocked(run: StoredRun, state: OpenedState, options: ResumeCliOptions): Promise<void> {
  const runId = run.record.runId;
  const file = runbookFileFor(run, options.runbook);
  const { runbook, registry, source } = await loadValidRunbook(file, builtInRegistry()).catch((error: unknown) => {
    if (error instanceof UsageError) throw new UsageError(`cannot resume ${runId}: ${error.message}`, error.details, error.diagnostics);
    throw error;
  });
  refuseIfChanged(run, file, runbook, source.text, hashFiles(await runbookFiles(file, runbook, registry)), options.allowChanged === true);
  const replay = replayJournal(run.journal.entries);
  if (run.journal.tornTail) say('the journal\'s last line was cut short by a crash and is ignored');
  if (replay.status === 'succeeded' && options.from === undefined) {
    process.stdout.write(`run ${runId} already succeeded: nothing to resume (use --from STEP to run steps again)\n`);
    return;
  }
  const rerunFrom = options.from === undefined ? undefined : stepIndex(runbook, options.from);
  await asking(() => confirmInFlight(replay, options, rerunFrom), runId, state);
  const { values, redactor } = await asking(() => paramsForResume(run, runbook), runId, state);
  const journal = await state.backend.appendJournal(run);
  try {
    await driveRun({
      file,
      runbook,
      registry,
      runId,
      params: values,
      redactor,
      options: { ...options, param: [] },
      settingsOverrides: mergeOverrides(run.record.settingsOverrides, options),
      journal,
      resumeArguments: state.arguments,
      restore: await restorer(replay, runbook, registry, rerunFrom),
    });
  } finally {
    await journal.close();
  }
}

/**
 * The runbook to follow: `--runbook`, else the file the run started from, else the same path
 * from this folder as from the one the run started in (another machine's checkout). The
 * runbook's hash then tells whether it is the same procedure.
 */
function runbookFileFor(run: StoredRun, given: string | undefined): string {
  if (given !== undefined) return path.resolve(given);
  const recorded = run.record.runbook.path;
  if (existsSync(recorded)) return recorded;
  const relative = run.record.runbook.relativePath;
  if (relative !== undefined && existsSync(path.resolve(relative))) {
    say(`the runbook is not at ${recorded} on this machine; following ${path.resolve(relative)}, the same path from this folder as from the one the run started in`);
    return path.resolve(relative);
  }
  const alsoTried = relative === undefined ? '' : ` nor at ${path.resolve(relative)}`;
  throw new UsageError(`cannot resume ${run.record.runId}: its runbook is not at ${recorded}${alsoTried} on this machine; give it with --runbook FILE`);
}

function say(message: string): void {
  process.stderr.write(`stepwise: ${message}\n`);
}

/** A resume must follow the procedure the run started with, or the operator must say otherwise. */
function refuseIfChanged(run: StoredRun, file: string, runbook: Runbook, currentText: string, hash: string, allowChanged: boolean): void {
  if (hash === run.record.runbook.sha256) return;
  const changes = describeChanges(run.snapshot, runbook, currentText);
  if (allowChanged) {
    say(`the runbook changed since the run started (${changes.join('; ')}); resuming anyway (--allow-changed)`);
    return;
  }
  throw new UsageError(`the runbook ${file} changed since run ${run.record.runId} started:`, [...changes, 'resume with --allow-changed to follow the changed runbook, or start a new run']);
}

function describeChanges(snapshot: string | undefined, runbook: Runbook, currentText: string): string[] {
  const before = snapshot === undefined ? undefined : parseRunbookText('snapshot', snapshot);
  if (!before?.ok || !isJsonObject(before.source.value)) return ['its content differs (the earlier version is not available to compare)'];
  const old = before.source.value as unknown as Runbook;
  const changes: string[] = [];
  if (old.version !== runbook.version) changes.push(`version ${old.version} → ${runbook.version}`);
  const oldSteps = new Map((old.steps ?? []).map((step) => [step.id, JSON.stringify(step)]));
  const newSteps = new Map(runbook.steps.map((step) => [step.id, JSON.stringify(step)]));
  const added = [...newSteps.keys()].filter((id) => !oldSteps.has(id));
  const removed = [...oldSteps.keys()].filter((id) => !newSteps.has(id));
  const changed = [...newSteps.keys()].filter((id) => oldSteps.has(id) && oldSteps.get(id) !== newSteps.get(id));
  if (added.length) changes.push(`steps added: ${added.join(', ')}`);
  if (removed.length) changes.push(`steps removed: ${removed.join(', ')}`);
  if (changed.length) changes.push(`steps changed: ${changed.join(', ')}`);
  const sections = [...new Set([...Object.keys(old), ...Object.keys(runbook)])].filter((key) => key !== 'version' && key !== 'steps');
  const changedSections = sections.filter((key) => JSON.stringify(old[key as keyof Runbook]) !== JSON.stringify(runbook[key as keyof Runbook]));
  if (changedSections.length) changes.push(`also changed: ${changedSections.join(', ')}`);
  // The hash also covers the plugins and sub-runbooks, which the snapshot does not hold.
  if (changes.length === 0) changes.push(snapshot === currentText ? 'a plugin or sub-runbook it loads changed' : 'only comments or layout changed');
  return changes;
}

function stepIndex(runbook: Runbook, id: string): number {
  const index = runbook.steps.findIndex((step) => step.id === id);
  if (index < 0) throw new UsageError(`--from ${id}: no such step${didYouMean(id, runbook.steps.map((step) => step.id))}`);
  return index;
}

/** Ctrl-C at a question asked before the run goes on: the run is left as it was, to resume later. */
async function asking<T>(question: () => Promise<T>, runId: string, state: OpenedState): Promise<T> {
  try {
    return await question();
  } catch (error) {
    if (!isCtrlCAtPrompt(error)) throw error;
    throw new InterruptedError(`interrupted at the question; run ${runId} is as it was`, [`to resume: ${resumeCommandLine(runId, state.arguments)}`]);
  }
}

/**
 * A write step that was running when the run stopped may have made its change. With a
 * check(), or when running it twice does no harm, the step says so in the journal (also inside
 * a sub-runbook); otherwise only the operator can say.
 */
async function confirmInFlight(replay: Replay, options: ResumeCliOptions, rerunFrom: number | undefined): Promise<void> {
  const inFlight = replay.inFlight;
  if (!inFlight || inFlight.rerunSafe || rerunFrom !== undefined || options.yes) return;
  const which = inFlight.item === undefined ? `step "${inFlight.stepId}"` : `item ${inFlight.item} of step "${inFlight.stepId}"`;
  const question = `${which} was running when the run stopped and may already have made its change; run it again?`;
  if (!process.stdin.isTTY) throw new DeclinedError(`${question}\n  there is no terminal to ask on: resume with --yes to run it again`);
  const { confirm } = await import('@inquirer/prompts');
  if (!(await confirm({ message: question, default: false }))) throw new DeclinedError('resume declined');
}

/**
 * Secret values were never stored: they come from STEPWISE_PARAM_<NAME>, like on a new run,
 * or the operator types them again when there is a terminal to ask on.
 */
async function paramsForResume(run: StoredRun, runbook: Runbook): Promise<{ values: JsonObject; redactor: Redactor }> {
  const specs = runbook.params ?? {};
  const secretSpecs = Object.fromEntries(Object.entries(specs).filter(([, spec]) => spec.secret));
  const missing = Object.keys(secretSpecs).filter((name) => process.env[paramEnvName(name)] === undefined && secretSpecs[name]!.default === undefined);
  const typed = missing.length > 0 ? await askForSecrets(missing, run.record.runId) : {};
  const secrets = resolveParams(secretSpecs, typed, process.env);
  const redactor = new Redactor();
  for (const value of secrets.secrets) redactor.add(value);
  return { values: { ...run.record.params, ...secrets.values }, redactor };
}

async function askForSecrets(names: string[], runId: string): Promise<Record<string, string>> {
  if (!process.stdin.isTTY) {
    throw new UsageError('this run has secret parameters, which are never stored; give them again:', names.map((name) => `${paramEnvName(name)}=... stepwise resume ${runId}`));
  }
  const { password } = await import('@inquirer/prompts');
  const typed: Record<string, string> = {};
  for (const name of names) typed[name] = await password({ message: `secret parameter ${name} (never stored):`, mask: '*' });
  return typed;
}

function mergeOverrides(recorded: Record<string, JsonObject>, options: ResumeCliOptions): Record<string, JsonObject> {
  const aws = { ...(recorded.aws ?? {}), ...(options.region ? { region: options.region } : {}), ...(options.profile ? { profile: options.profile } : {}) };
  return { ...recorded, aws };
}

/**
 * Succeeded steps and forEach items are restored from the journal, never run again; from
 * `--from` on, everything runs again. A secret output was never stored: a read step that made
 * one runs again, and a write step's secret output comes back empty, with a warning.
 */
async function restorer(replay: Replay, runbook: Runbook, registry: StepRegistry, rerunFrom: number | undefined) {
  const rerun = new Set(rerunFrom === undefined ? [] : runbook.steps.slice(rerunFrom).map((step) => step.id));
  const secretRead = new Set<string>();
  for (const step of runbook.steps) {
    if (!hasSecretOutputs(step)) continue;
    const definition = await registry.load(step.type);
    const effect = typeof definition.effect === 'function' ? definition.effect((step.with ?? {}) as never) : definition.effect;
    if (effect === 'read') secretRead.add(step.id);
    else if (replay.finished.has(step.id)) say(`secret outputs of step "${step.id}" were not stored; later steps see them as null`);
  }
  const stepsById = new Map(runbook.steps.map((step) => [step.id, step]));
  return (stepId: string, item?: number): JsonValue | undefined => {
    if (rerun.has(stepId) || secretRead.has(stepId)) return undefined;
    const step = stepsById.get(stepId);
    const finished = replay.finished.get(stepId);
    const outputs = finished === undefined ? replay.items.get(stepId)?.get(item ?? -1) : item === undefined ? finished : Array.isArray(finished) ? finished[item] : undefined;
    return outputs === undefined || !step ? outputs : withoutSecrets(step, outputs);
  };
}

function hasSecretOutputs(step: StepSpec): boolean {
  return Object.values(step.outputs ?? {}).some((spec) => typeof spec === 'object' && spec.secret === true);
}

function withoutSecrets(step: StepSpec, outputs: JsonValue): JsonValue {
  if (!hasSecretOutputs(step) || !isJsonObject(outputs)) return outputs;
  const secret = Object.entries(step.outputs ?? {}).filter(([, spec]) => typeof spec === 'object' && spec.secret).map(([name]) => name);
  return Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, secret.includes(name) ? null : value]));
}
