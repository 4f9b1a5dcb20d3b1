import type { RunCliOptions } from './cli-options.js';
import type { Runbook } from '../document/runbook.js';
import { ExitCode, StateWriteError } from '../exit-codes.js';
import type { RunEvent, RunObserver, RunStatus } from '../execute/events.js';
import { executeRunbook, type RunOptions, type RunResult } from '../execute/execute-runbook.js';
import type { JsonObject } from '../json.js';
import type { StepRegistry } from '../registry.js';
import type { Redactor } from '../secrets.js';
import type { Announcer } from '../notify/announcer.js';
import { chooseReporter } from './choose-reporter.js';
import { onInterrupt, type Interrupt } from './on-interrupt.js';
import type { PlanReview } from '../execute/plan-review.js';
import { resumeCommandLine } from './resume-command-line.js';
import { renderPlanPage, type PlannedEvent, type SkippedEvent } from '../report/plan-page.js';
import { journalFilesLoadedLater } from './files-loaded-later.js';

type WaitingEvent = Extract<RunEvent, { type: 'approval-waiting' }>;

export interface RunSetup {
  file: string;
  runbook: Runbook;
  registry: StepRegistry;
  runId: string;
  params: JsonObject;
  redactor: Redactor;
  options: RunCliOptions;
  settingsOverrides: Record<string, JsonObject>;
  /** The journal of a real run. */
  journal?: RunObserver;
  /** What `stepwise resume` needs on its command line to find the run (such as `--state s3://...`). */
  resumeArguments?: string[];
  /** A real run's approvals: who runs it, and the decisions its state keeps. */
  approvals?: RunOptions['approvals'];
  /** On resume: what the journal gives back, and the forEach items it knows. */
  restore?: RunOptions['restore'];
  itemsSeen?: RunOptions['itemsSeen'];
  /** Tells the runbook's and the repository's `notify:` targets; never given to a dry-run. */
  announcer?: Announcer;
  /** How the run takes part in a reviewed plan (`plan --out`, `apply`). */
  review?: PlanReview;
  /** The Ctrl-C handling of a command that ran something before (apply's check): one for the process. */
  interrupt?: Interrupt;
  /** An apply run (or its resume): the plan file it carries out, for `--json`. */
  plan?: { path: string; sha256: string };
  /** Called with the result before it is printed (a plan file written): what it throws is the command's failure. */
  beforeReport?: (result: RunResult) => Promise<void> | void;
}

/**
 * Runs a prepared runbook with progress output, Ctrl-C handling, the result and the exit code.
 * A journal that cannot be written stops the run there (exit 4), resumable once it can.
 */
export async function driveRun(setup: RunSetup): Promise<void> {
  const { options } = setup;
  const dryRun = options.dryRun === true;
  const announcer = dryRun ? undefined : setup.announcer;
  const markdown = options.format === 'markdown';
  // stdout carries the document: progress goes to stderr
  const reporter = await chooseReporter(options.json === true || markdown);
  const planned: PlannedEvent[] = [];
  const skipped: SkippedEvent[] = [];
  let waiting: WaitingEvent | undefined;
  const collectPlans: RunObserver = {
    onEvent: (event) => {
      if (event.type === 'step-planned') planned.push(event);
      if (event.type === 'step-skipped') skipped.push(event);
      if (event.type === 'approval-waiting') waiting = event;
    },
  };
  const interrupt = setup.interrupt ?? onInterrupt();
  let outcome: RunResult | StateWriteError;
  try {
    outcome = await executeRunbook({
      runbook: setup.runbook,
      runbookFile: setup.file,
      registry: setup.registry,
      params: setup.params,
      redactor: setup.redactor,
      runId: setup.runId,
      dryRun,
      assumeYes: options.yes === true,
      interactive: process.stdin.isTTY === true,
      settingsOverrides: setup.settingsOverrides,
      signal: interrupt.signal,
      reporter,
      observers: [collectPlans, ...(setup.journal ? [journalFilesLoadedLater(setup.journal, setup.file)] : []), ...(announcer ? [announcer] : [])],
      ...(setup.restore ? { restore: setup.restore } : {}),
      ...(setup.itemsSeen ? { itemsSeen: setup.itemsSeen } : {}),
      ...(setup.review ? { review: setup.review } : {}),
      ...(setup.approvals ? { approvals: setup.approvals } : {}),
    }).catch((error: unknown) => {
      if (error instanceof StateWriteError) return error;
      throw error;
    });
  } finally {
    interrupt.runOver();
    await reporter.close();
  }
  if (outcome instanceof StateWriteError) {
    process.stderr.write(`stepwise: ${outcome.message}; the run stopped there\n`);
    sayHowToResume(setup);
    process.exitCode = ExitCode.stateUnwritable;
    return;
  }
  const result = outcome;
  await setup.beforeReport?.(result);
  if (options.json) {
    const document = { ...jsonResult(result, setup, planned), ...(result.status === 'waiting' && waiting ? { waitingFor: waitingFor(waiting, setup) } : {}) };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else if (markdown) {
    process.stdout.write(planPage(result, setup, [...planned, ...skipped]));
  }
  if (!options.json && result.failure) {
    const what = result.status === 'interrupted' ? 'was interrupted' : result.status === 'waiting' || result.status === 'declined' ? `stopped: ${result.failure.message}` : `failed: ${result.failure.message}`;
    // Step ids hold no dot: `outputs.<name>` is the runbook's own output.
    const where = result.failure.stepId.startsWith('outputs.') ? `runbook output "${result.failure.stepId.slice('outputs.'.length)}"` : `step "${result.failure.stepId}"`;
    process.stderr.write(`stepwise: ${where} ${what}\n`);
  }
  // a rejection stands: resuming would stop at it again
  const resumable = result.failure?.code !== 'rejected';
  if (result.status !== 'succeeded' && resumable) sayHowToResume(setup, result.status === 'waiting' ? 'to resume once approved' : 'to resume');
  process.exitCode = (result.status === 'interrupted' ? interrupt.exitCode() : undefined) ?? exitCodeOf(result.status);
  await announcer?.ended({ status: result.status, durationMs: result.durationMs, ...(result.failure ? { failure: result.failure } : {}), ...(setup.journal && resumable ? { resume: resumeCommandLine(setup.runId, setup.resumeArguments) } : {}) });
}

/** A run that stopped at an approval, for a script: what it waits for, the command that approves, and the one that goes on. */
function waitingFor(event: WaitingEvent, setup: RunSetup) {
  const { stepId, item, message, approvers, minApprovals, command } = event;
  const resume = resumeCommandLine(setup.runId, setup.resumeArguments);
  return setup.redactor.value({ stepId, ...(item === undefined ? {} : { item }), message, approvers, minApprovals, command, resume });
}

/** Every value in the page is redacted already; the page as a whole is too, so that no way around it can leak. */
function planPage(result: RunResult, setup: RunSetup, events: (PlannedEvent | SkippedEvent)[]): string {
  const secretParams = Object.entries(setup.runbook.params ?? {}).filter(([, spec]) => spec.secret).map(([name]) => name);
  const page = renderPlanPage({
    runbook: { name: setup.runbook.name, version: setup.runbook.version, file: setup.file },
    params: Object.fromEntries(Object.entries(setup.params).filter(([name]) => !secretParams.includes(name))),
    secretParams,
    status: result.status,
    steps: result.steps,
    events,
    ...(result.failure ? { failure: result.failure } : {}),
  });
  return setup.redactor.text(page);
}

function sayHowToResume(setup: RunSetup, what = 'to resume'): void {
  if (setup.journal) process.stderr.write(`stepwise: ${what}: ${resumeCommandLine(setup.runId, setup.resumeArguments)}\n`);
}

function exitCodeOf(status: RunStatus): number {
  switch (status) {
    case 'succeeded':
    case 'planned':
      return ExitCode.success;
    case 'declined':
    case 'waiting':
      return ExitCode.declined;
    case 'interrupted':
      return ExitCode.interrupted;
    default:
      return ExitCode.stepFailed;
  }
}

/**
 * One shape for `run`, `plan` and `resume` (docs/json.md): a plan is told from a run by `dryRun`,
 * and has no `runId` (null), since nothing of it is recorded that the id could name.
 */
function jsonResult(result: RunResult, setup: RunSetup, planned: PlannedEvent[]) {
  const dryRun = setup.options.dryRun === true;
  const steps = result.steps.map((step) => {
    const plans = planned.filter((event) => event.stepId === step.id).map(({ item, status, input, plan, dependsOn }) => ({ ...(item === undefined ? {} : { item }), status, input, ...(plan === undefined ? {} : { plan }), ...(dependsOn ? { dependsOn } : {}) }));
    return {
      id: step.id,
      type: step.type,
      status: step.status,
      ...(step.readAgain ? { readAgain: true } : {}),
      outputs: step.outputs,
      ...(step.error ? { error: step.error } : {}),
      ...(step.dependsOn ? { dependsOn: step.dependsOn } : {}),
      ...(plans.length > 0 ? { plans } : {}),
    };
  });
  return {
    runId: dryRun ? null : result.runId,
    runbook: setup.runbook.name,
    version: setup.runbook.version,
    dryRun,
    params: setup.redactor.value(setup.params),
    status: result.status,
    outputs: result.outputs,
    steps,
    ...(result.failure ? { failure: result.failure } : {}),
    ...(setup.plan ? { plan: setup.plan } : {}),
  };
}
