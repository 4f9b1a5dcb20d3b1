import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RunCliOptions } from './cli-options.js';
import type { ParamSpec, Runbook } from '../document/runbook.js';
import { DeclinedError, InterruptedError, UsageError } from '../exit-codes.js';
import { isJsonObject, type JsonObject } from '../json.js';
import { parseRunbookText } from '../load/read-runbook-file.js';
import { isRequired } from '../params/param-schema.js';
import { paramEnvName, resolveResumeParams } from '../params/resolve-params.js';
import { isCtrlCAtPrompt } from '../report/ctrl-c-at-prompt.js';
import { askParam } from './ask-secret-params.js';
import { Redactor } from '../secrets.js';
import { hashFiles } from '../state/hash-files.js';
import { replayJournal, type Replay } from '../state/replay.js';
import { summarizeRun } from '../state/summarize-run.js';
import { describeWaiting } from '../report/describe-waiting.js';
import { planResume, type ResumePlan } from '../state/resume-plan.js';
import type { StoredRun } from '../state/state-backend.js';
import { builtInRegistry, builtInStateCatalog } from './builtins.js';
import { settingOverrides } from './setting-options.js';
import { approvalDesk } from './approval-desk.js';
import { driveRun } from './drive-run.js';
import { readingKeptParse } from './kept-parse.js';
import { loadValidRunbook } from './load-valid-runbook.js';
import { openState, type OpenedState } from './open-state.js';
import { prepareAnnouncer } from './prepare-announcer.js';
import { resumeCommandLine } from './resume-command-line.js';
import { runbookFiles } from './run-command.js';
import { applyReview } from '../plans/plan-recorder.js';
import { changedFilesLoadedLater } from './files-loaded-later.js';

export interface ResumeCliOptions extends Omit<RunCliOptions, 'param' | 'dryRun'> {
  from?: string;
  allowChanged?: boolean;
  /** The runbook file, when it is not where the run started. */
  runbook?: string;
}

export async function resumeCommand(runId: string, options: ResumeCliOptions): Promise<void> {
  const state = await openState(options, builtInStateCatalog(), process.env, process.cwd(), { existing: true });
  const lock = await state.backend.lock(runId, say).catch(async (error: unknown) => {
    throw error instanceof UsageError ? await sayIfWaitingForApproval(runId, state, error) : error;
  });
  try {
    await resumeLocked(await state.backend.open(runId), state, options);
  } finally {
    await lock.release();
  }
}

/**
 * The process that drives the run may be waiting at an approval: the one who tries to resume
 * it learns what it waits for and how to give it, which a resume could not do.
 */
async function sayIfWaitingForApproval(runId: string, state: OpenedState, lockError: UsageError): Promise<UsageError> {
  const [run, decisions] = await Promise.all([state.backend.open(runId), state.backend.decisions(runId)]).catch(() => []);
  const waiting = run && summarizeRun(run, true, decisions).waitingFor;
  if (!waiting || waiting.needed === 0 || waiting.rejected) return lockError;
  const [standing = '', ...next] = describeWaiting(waiting);
  return new UsageError(`run ${runId} is ${standing}; its process goes on once approved: there is nothing to resume`, [...next, lockError.message]);
}

async function resumeLocked(run: StoredRun, state: OpenedState, options: ResumeCliOptions): Promise<void> {
  const runId = run.record.runId;
  const file = runbookFileFor(run, options.runbook);
  const { runbook, registry, source } = await loadValidRunbook(file, builtInRegistry(), readingKeptParse(file, run.keptParse)).catch((error: unknown) => {
    if (error instanceof UsageError) throw new UsageError(`cannot resume ${runId}: ${error.message}`, error.details, error.diagnostics);
    throw error;
  });
  refuseIfChanged(run, file, runbook, source.text, hashFiles(await runbookFiles(file, runbook, registry)), changedFilesLoadedLater(run.journal.entries, file), options.allowChanged === true);
  const replay = replayJournal(run.journal.entries);
  if (run.journal.tornTail) say('the journal\'s last line was cut short by a crash and is ignored');
  if (replay.status === 'succeeded' && options.from === undefined) {
    process.stdout.write(`run ${runId} already succeeded: nothing to resume (use --from STEP to run steps again)\n`);
    return;
  }
  const plan = planResume(replay, runbook.steps.map((step) => step.id), options.from);
  await asking(() => confirmInFlight(replay, options), runId, state);
  const { values, redactor } = await asking(() => paramsForResume(run, runbook, options.allowChanged === true, resumeCommandLine(runId, state.arguments)), runId, state);
  tellThePlan(plan);
  const settingsOverrides = mergeOverrides(run.record.settingsOverrides, settingOverrides(options, registry.settingsBlocks()));
  const announcer = prepareAnnouncer({ runbook, registry, runId, params: values, redactor, settingsOverrides });
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
      settingsOverrides,
      journal,
      resumeArguments: state.arguments,
      restore: plan.decide,
      itemsSeen: plan.itemsSeen,
      ...(announcer ? { announcer } : {}),
      // an apply run goes on carrying out its reviewed plan, from what run.json kept of it
      ...(run.record.plan ? { review: applyReview(run.record.plan.steps), plan: { path: run.record.plan.path, sha256: run.record.plan.sha256 } } : {}),
      approvals: approvalDesk(state, runId, options.wait === false, run.journal.entries),
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
/** `loadedLater`: the files steps loaded once they ran that changed since, which the runbook's hash does not cover. */
function refuseIfChanged(run: StoredRun, file: string, runbook: Runbook, currentText: string, hash: string, loadedLater: string[], allowChanged: boolean): void {
  const hashChanged = hash !== run.record.runbook.sha256;
  if (!hashChanged && loadedLater.length === 0) return;
  const changes = [
    ...(hashChanged ? describeChanges(run.snapshot, runbook, currentText) : []),
    ...(loadedLater.length > 0 ? [`plugin files a step loaded as it ran changed: ${loadedLater.join(', ')}`] : []),
  ];
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
async function confirmInFlight(replay: Replay, options: ResumeCliOptions): Promise<void> {
  const inFlight = replay.inFlight;
  if (!inFlight || inFlight.rerunSafe || options.from !== undefined || options.yes) return;
  const which = inFlight.item === undefined ? `step "${inFlight.stepId}"` : `item ${inFlight.item} of step "${inFlight.stepId}"`;
  const question = `${which} was running when the run stopped and may already have made its change; run it again?`;
  if (!process.stdin.isTTY) throw new DeclinedError(`${question}\n  there is no terminal to ask on: resume with --yes to run it again`);
  const { confirm } = await import('@inquirer/prompts');
  if (!(await confirm({ message: question, default: false }))) throw new DeclinedError('resume declined');
}

/**
 * The params the run started with, from its record, checked against the runbook's schema as
 * on a new run: the record may have been edited, and with --allow-changed the runbook may
 * declare them otherwise. Secret values were never stored, and a param the runbook took on
 * since was never given: they come from STEPWISE_PARAM_<NAME>, or the operator types them when
 * there is a terminal to ask on. `-p` is not taken: a resume goes on with the run's params.
 */
async function paramsForResume(run: StoredRun, runbook: Runbook, allowChanged: boolean, resumeLine: string): Promise<{ values: JsonObject; redactor: Redactor }> {
  const specs = runbook.params ?? {};
  const recorded = { ...run.record.params };
  const dropped = Object.keys(recorded).filter((name) => !(name in specs));
  if (allowChanged && dropped.length > 0) {
    say(`the runbook no longer takes ${dropped.map((name) => `"${name}"`).join(', ')}: resuming without (--allow-changed)`);
    for (const name of dropped) delete recorded[name];
  }
  const notStored = Object.keys(specs).filter((name) => specs[name]!.secret || !(name in recorded));
  const given = Object.fromEntries(notStored.flatMap((name) => (process.env[paramEnvName(name)] === undefined ? [] : [[name, process.env[paramEnvName(name)]!]])));
  const missing = notStored.filter((name) => !(name in given) && specs[name]!.default === undefined && (specs[name]!.secret || isRequired(specs[name]! as JsonObject)));
  const typed = missing.length > 0 ? await askAgain(missing, specs, resumeLine) : {};
  const where = `${run.location}/run.json`;
  const resolved = resolveResumeParams(specs, recorded, { ...given, ...typed }, where, (name) => `${paramEnvName(name)}=... ${resumeLine}`);
  const redactor = new Redactor();
  for (const value of resolved.secrets) redactor.add(value);
  return { values: resolved.values, redactor };
}

async function askAgain(names: string[], specs: Record<string, ParamSpec>, resumeLine: string): Promise<Record<string, string>> {
  const secret = names.filter((name) => specs[name]!.secret);
  const added = names.filter((name) => !specs[name]!.secret);
  if (!process.stdin.isTTY) {
    const give = (name: string) => `${paramEnvName(name)}=... ${resumeLine}`;
    if (secret.length > 0) throw new UsageError('this run has secret parameters, which are never stored; give them again:', [...secret, ...added].map(give));
    throw new UsageError('the runbook requires parameters this run was not given (it changed since the run started); give them:', added.map(give));
  }
  const typed: Record<string, string> = {};
  for (const name of names) {
    const spec = specs[name]!;
    const about = spec.description ? ` (${spec.description})` : '';
    typed[name] = await askParam(spec, spec.secret ? `secret parameter ${name}${about} (never stored):` : `parameter ${name}${about}, new in the runbook:`, process.env);
  }
  return typed;
}

/** The operator sees what the journal gives back and what is looked at again. */
function tellThePlan(plan: ResumePlan): void {
  if (plan.restored.length > 0) say(`restored from the journal (done, and not run again): ${plan.restored.join(', ')}`);
  if (plan.readAgain.length > 0) say(`read again (they only read, and ran after the last change or kept a secret): ${plan.readAgain.join(', ')}`);
  if (plan.notRestorable.length > 0) say(`kept only redacted, since they are or hold a secret, and made by a change that does not run again: ${plan.notRestorable.join(', ')}; a step that needs one stops and says how to get it back`);
}

/** What the run started with, each setting the command line gives now on top. */
function mergeOverrides(recorded: Record<string, JsonObject>, given: Record<string, JsonObject>): Record<string, JsonObject> {
  const merged = { ...recorded };
  for (const [block, settings] of Object.entries(given)) merged[block] = { ...(recorded[block] ?? {}), ...settings };
  return merged;
}
