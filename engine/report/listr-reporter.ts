import { formatDuration } from '../duration.js';
import type { RunEvent } from '../execute/events.js';
import { PlainReporter } from './plain-reporter.js';
import type { Reporter, StepView } from './reporter.js';

type ListrModule = typeof import('listr2');
type TaskHandle = {
  title: string;
  output: string;
  skip(message?: string): void;
  prompt: (adapter: never) => { run(prompt: unknown, options: unknown): Promise<unknown> };
};

interface OpenStep {
  task: TaskHandle;
  settle: (error?: Error) => void;
  finished: Promise<unknown>;
  /** Why the step failed, shown where listr shows a failed task's error. */
  failure?: string;
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

  constructor(
    private readonly listr: ListrModule,
    out: NodeJS.WritableStream,
    color: boolean,
    showOutputs: boolean,
  ) {
    this.header = new PlainReporter(out, color, showOutputs);
  }

  static async create(out: NodeJS.WritableStream, color: boolean, showOutputs: boolean): Promise<ListrReporter> {
    return new ListrReporter(await import('listr2'), out, color, showOutputs);
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
        return;
      }
      case 'step-succeeded':
        // A restored step never started: it is shown all the same, so the operator sees what the journal gave back.
        if (event.via === 'restore' || event.via === 'read-again') (await this.step(event.stepId)).readAgain = event.via === 'read-again';
        return;
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
    };
  }

  async confirm(message: string): Promise<boolean> {
    const [{ ListrInquirerPromptAdapter }, { confirm }] = await Promise.all([import('@listr2/prompt-adapter-inquirer'), import('@inquirer/prompts')]);
    const step = [...this.open.values()].at(-1);
    if (!step) return confirm({ message, default: false });
    const answer = await step.task.prompt(ListrInquirerPromptAdapter as never).run(confirm, { message, default: false });
    return answer === true;
  }

  async close(): Promise<void> {
    for (const [id] of this.open) await this.finish({ type: 'step-finished', stepId: id, status: 'succeeded', outputs: null, durationMs: 0, at: '' });
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
      rendererOptions: { collapseErrors: false, showErrorMessage: true },
    });
    const finished = list.run().catch(() => undefined);
    const opened: OpenStep = { task: await taskReady, settle, finished };
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
  }
}

function statusNote(status: string): string {
  const notes: Record<string, string> = { satisfied: ' — already in place', restored: ' — done in an earlier attempt', planned: ' — would change', depends: ' — depends on an earlier change', 'would-ask': ' — would ask' };
  return notes[status] ?? '';
}
