import { formatDuration } from '../duration.js';
import { interruptedFailure } from '../execute/abortable.js';
import type { RunEvent } from '../execute/events.js';
import { paint, type Painter } from './paint.js';
import { approvedLine, waitingLine } from './approval-lines.js';
import { noteLine, PlainReporter } from './plain-reporter.js';
import type { Reporter, StepView } from './reporter.js';
import { isCtrlCAtPrompt } from './ctrl-c-at-prompt.js';

type ListrModule = typeof import('listr2');
type TaskHandle = {
  title: string;
  output: string;
  skip(message?: string): void;
  prompt: (adapter: never) => { run(prompt: unknown, options: unknown, context: { signal: AbortSignal }): Promise<unknown> };
};

interface OpenStep {
  task: TaskHandle;
  settle: (error?: Error) => void;
  finished: Promise<unknown>;
  /** Why the step failed, shown where listr shows a failed task's error. */
  failure?: string;
  /** Lines to keep: written under the step once its list is over (listr drops a task's output). */
  notes: string[];
  /** What a dry-run says the step would do, kept the same way: the reason to run a plan. */
  planned: string[];
  /** On resume: it had succeeded, and ran again because it only reads. */
  readAgain?: boolean;
}

/**
 * listr2's live view on a terminal: one list per step, opened at the step's first event and
 * settled at its last, so the executor stays in charge of the order of things.
 */
export class ListrReporter implements Reporter {
  private readonly open = new Map<string, OpenStep>();
  private readonly header: PlainReporter;
  private readonly paint: Painter;
  /** listr2 decides colour alone (it reads FORCE_COLOR=0 as "force"): without colour, every style leaves the text as is. */
  private readonly styles: { color?: Record<string, (text?: string) => string> };

  constructor(
    private readonly listr: ListrModule,
    private readonly out: NodeJS.WritableStream,
    color: boolean,
  ) {
    this.header = new PlainReporter(out, color);
    this.paint = paint(color);
    const plain = (text?: string) => text ?? '';
    this.styles = color ? {} : { color: Object.fromEntries(Object.keys(listr.LISTR_DEFAULT_RENDERER_STYLE.color ?? {}).map((level) => [level, plain])) };
  }

  static async create(out: NodeJS.WritableStream, color: boolean): Promise<ListrReporter> {
    return new ListrReporter(await import('listr2'), out, color);
  }

  async onEvent(event: RunEvent): Promise<void> {
    switch (event.type) {
      case 'run-started':
      case 'run-finished':
        this.header.onEvent(event);
        return;
      case 'step-started':
        (await this.step(event.stepId, event.title)).task.title = event.attempt > 1 ? `${event.title} (attempt ${event.attempt})` : event.title;
        return;
      case 'step-failed': {
        const step = await this.step(event.stepId);
        if (event.willRetry) step.task.output = `${event.error.message}; retrying in ${formatDuration(event.retryInMs ?? 0)}`;
        else step.failure = event.item === undefined ? event.error.message : `item ${event.item}: ${event.error.message}`;
        return;
      }
      case 'step-skipped':
        (await this.step(event.stepId, event.title)).task.skip(`${event.title}: skipped (${event.reason})`);
        return;
      case 'step-planned': {
        const step = await this.step(event.stepId);
        const plan = typeof event.plan === 'object' ? `${event.plan.summary}\n${event.plan.details ?? ''}` : (event.plan ?? '');
        step.task.output = event.status === 'depends' ? `depends on ${(event.dependsOn ?? []).join(', ')}` : plan;
        step.planned.push(...plannedLines(event, this.paint));
        return;
      }
      case 'step-succeeded':
        // A restored step never started: it is shown all the same, so the operator sees what the journal gave back.
        if (event.via === 'restore' || event.via === 'read-again') (await this.step(event.stepId)).readAgain = event.via === 'read-again';
        return;
      case 'approval-waiting': {
        const step = await this.step(event.stepId);
        const line = waitingLine(event);
        step.task.output = `${line}\nto approve: ${event.command}`;
        step.notes.push(line, `to approve: ${event.command}`);
        return;
      }
      case 'approval-decided': {
        // a rejection ends the step: its failure says who rejected and why, on one line
        if (event.decision === 'reject') return;
        const step = await this.step(event.stepId);
        step.task.output = approvedLine(event);
        step.notes.push(approvedLine(event));
        return;
      }
      case 'step-finished':
        await this.finish(event);
    }
  }

  view(label: string): StepView {
    const id = label.replace(/\[\d+\]$/, '');
    return {
      progress: (message) => {
        const step = this.open.get(id);
        if (step) step.task.output = message;
      },
      log: (message) => {
        const step = this.open.get(id);
        if (step) step.task.output = message;
      },
      note: (message) => {
        const step = this.open.get(id);
        if (!step) return;
        step.task.output = message;
        step.notes.push(message);
      },
    };
  }

  /**
   * The prompt puts the terminal in raw mode, so Ctrl-C reaches it as a key, not as SIGINT:
   * it is an interruption all the same. A stop of the run (another signal, a timeout) closes
   * the prompt, giving the terminal back.
   */
  async confirm(message: string, signal: AbortSignal): Promise<boolean> {
    const [{ ListrInquirerPromptAdapter }, { confirm }] = await Promise.all([import('@listr2/prompt-adapter-inquirer'), import('@inquirer/prompts')]);
    const step = [...this.open.values()].at(-1);
    try {
      const answer = step
        ? await step.task.prompt(ListrInquirerPromptAdapter as never).run(confirm, { message, default: false }, { signal })
        : await confirm({ message, default: false }, { signal });
      return answer === true;
    } catch (error) {
      if (isCtrlCAtPrompt(error)) throw interruptedFailure();
      throw error;
    }
  }

  async close(): Promise<void> {
    // A step whose end never came: the run stopped under it (its journal could not be written).
    for (const [id, step] of this.open) await this.finish({ type: 'step-finished', stepId: id, status: step.failure === undefined ? 'succeeded' : 'failed', outputs: null, durationMs: 0, at: '' });
  }

  private async step(id: string, title = id): Promise<OpenStep> {
    const existing = this.open.get(id);
    if (existing) return existing;
    let settle: (error?: Error) => void = () => {};
    let resolveTask: (task: TaskHandle) => void = () => {};
    const taskReady = new Promise<TaskHandle>((resolve) => (resolveTask = resolve));
    const done = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
    const list = new this.listr.Listr([{ title, task: (_ctx: unknown, task: unknown) => (resolveTask(task as TaskHandle), done) }], {
      exitOnError: true,
      // Its handler exits 127 at Ctrl-C: stepwise's own stops the step and records the run.
      registerSignalListeners: false,
      rendererOptions: { collapseErrors: false, showErrorMessage: true, ...this.styles },
    });
    const finished = list.run().catch(() => undefined);
    const opened: OpenStep = { task: await taskReady, settle, finished, notes: [], planned: [] };
    this.open.set(id, opened);
    return opened;
  }

  private async finish(event: Extract<RunEvent, { type: 'step-finished' }>): Promise<void> {
    const step = this.open.get(event.stepId);
    if (!step) return;
    this.open.delete(event.stepId);
    const took = event.durationMs > 0 ? ` (${formatDuration(event.durationMs)})` : '';
    if (event.status === 'failed') step.settle(new Error(step.failure ?? 'failed'));
    else {
      if (event.status !== 'skipped') step.task.title = `${step.task.title}${took}${statusNote(event.status)}${step.readAgain ? ' — read again' : ''}`;
      step.settle();
    }
    await step.finished;
    for (const line of step.planned) this.out.write(`${line}\n`);
    for (const note of step.notes) this.out.write(`${noteLine(note, this.paint)}\n`);
  }
}

/** A planned step's summary and details (one line each), or what it depends on; an item's marked with its number. */
function plannedLines(event: Extract<RunEvent, { type: 'step-planned' }>, p: Painter): string[] {
  const item = event.item === undefined ? '' : `item ${event.item}: `;
  if (event.status === 'depends') return [`    ${p.dim(`⋯ ${item}depends on ${(event.dependsOn ?? []).join(', ')}`)}`];
  if (event.plan === undefined) return [];
  const { summary, details } = typeof event.plan === 'string' ? { summary: event.plan, details: undefined } : event.plan;
  return [`    ${p.cyan('→')} ${item}${summary}`, ...(details ? details.split('\n').map((line) => `      ${line}`) : [])];
}

function statusNote(status: string): string {
  const notes: Record<string, string> = { satisfied: ' — already in place', restored: ' — done in an earlier attempt', planned: ' — would change', depends: ' — depends on an earlier change', 'would-ask': ' — needs a decision' };
  return notes[status] ?? '';
}
