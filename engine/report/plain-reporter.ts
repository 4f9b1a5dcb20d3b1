import { stringify } from 'yaml';
import { formatDuration } from '../duration.js';
import type { JsonValue } from '../json.js';
import type { RunEvent } from '../execute/events.js';
import { renderPlan } from './render-plan.js';
import { approvedLine, waitingLine } from './approval-lines.js';
import type { Reporter, StepView } from './reporter.js';
import { paint, type Painter } from './paint.js';

/** One line per event: for logs, CI and anything that is not a terminal. */
export class PlainReporter implements Reporter {
  private readonly paint: Painter;
  private lastProgress = new Map<string, string>();
  private restored = 0;
  private asking: { close(): void } | undefined;

  /** `showOutputs`: print the run's outputs at the end (not when stdout carries them as JSON). */
  constructor(
    private readonly out: NodeJS.WritableStream,
    color: boolean,
    private readonly showOutputs = true,
  ) {
    this.paint = paint(color);
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'step-succeeded' && event.via === 'restore') {
      this.restored++;
      return;
    }
    if (event.type === 'step-finished') return;
    this.flushRestored();
    const line = this.render(event);
    if (line !== undefined) this.write(line);
  }

  /** A resume restores many steps at once: one line says so. */
  private flushRestored(): void {
    if (this.restored === 0) return;
    this.write(`  ${this.paint.green('↺')} ${this.restored} step${this.restored === 1 ? '' : 's'} done in an earlier attempt ${this.paint.dim('(restored from the journal)')}`);
    this.restored = 0;
  }

  view(label: string): StepView {
    return {
      progress: (message) => {
        if (this.lastProgress.get(label) === message) return;
        this.lastProgress.set(label, message);
        this.write(`    ${this.paint.dim(`${label}: ${message}`)}`);
      },
      log: (message) => {
        for (const line of message.split('\n')) this.write(`    ${this.paint.dim('│')} ${line}`);
      },
      note: (message) => this.write(noteLine(message, this.paint)),
    };
  }

  /** The run's outputs as YAML: the readable form of a report a runbook computes. */
  private renderOutputs(outputs: JsonValue): string {
    if (!this.showOutputs || isEmpty(outputs)) return '';
    return `${this.paint.bold('outputs:')}\n${indent(stringify(outputs, { lineWidth: 0 }).trimEnd(), 2)}\n`;
  }

  /** A question on one line, answered by a line: no cursor movement, so it reads right on any terminal. */
  async confirm(message: string): Promise<boolean> {
    const { createInterface } = await import('node:readline/promises');
    const lines = createInterface({ input: process.stdin, output: this.out, terminal: false });
    this.asking = lines;
    try {
      const answer = await lines.question(`${message} ${this.paint.dim('[y/N]')} `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      this.asking = undefined;
      lines.close();
    }
  }

  /** A question left unanswered when the run ends (Ctrl-C) must not keep the process waiting on stdin. */
  async close(): Promise<void> {
    this.asking?.close();
  }

  private write(line: string): void {
    this.out.write(`${line}\n`);
  }

  private render(event: RunEvent): string | undefined {
    const p = this.paint;
    const label = (id: string, item?: number) => (item === undefined ? id : `${id}[${item}]`);
    switch (event.type) {
      case 'run-started':
        return `${p.bold(`${event.runbook} ${event.version}`)} ${p.dim(event.dryRun ? '· dry-run: nothing will be changed' : `· run ${event.runId}`)}`;
      case 'step-started':
        return event.attempt > 1 ? `  ${p.yellow('↻')} ${label(event.stepId, event.item)} ${p.dim(`attempt ${event.attempt}`)}` : undefined;
      case 'step-succeeded': {
        const via = event.via === 'check' ? ' already in place' : event.via === 'read-again' ? ' read again: done before, looked at anew' : '';
        return `  ${p.green('✔')} ${label(event.stepId, event.item)}${p.dim(`${via} (${formatDuration(event.durationMs)})`)}`;
      }
      case 'step-failed': {
        const retry = event.willRetry ? p.yellow(` — retrying in ${formatDuration(event.retryInMs ?? 0)}`) : '';
        const details = event.error.details ? `\n${indent(event.error.details, 6)}` : '';
        return `  ${event.willRetry ? p.yellow('✖') : p.red('✖')} ${label(event.stepId, event.item)}: ${event.error.message}${retry}${details}`;
      }
      case 'step-skipped':
        return `  ${p.dim(`↷ ${event.stepId}: skipped (${event.reason})`)}`;
      case 'step-planned':
        return renderPlan(event, p);
      case 'approval-waiting':
        return `  ${p.yellow('⏸')} ${label(event.stepId, event.item)}: ${waitingLine(event)}\n    to approve: ${event.command}`;
      case 'approval-decided':
        // a rejection ends the step: its failure, next, says who rejected and why, on one line
        return event.decision === 'approve' ? `  ${p.green('✔')} ${label(event.stepId, event.item)}: ${approvedLine(event)}` : undefined;
      case 'step-finished':
        return undefined;
      case 'run-finished':
        return `${this.renderOutputs(event.outputs)}${summary(event.status, p)} ${p.dim(`in ${formatDuration(event.durationMs)}`)}`;
    }
  }
}

export function noteLine(message: string, p: Painter): string {
  return `    ${p.cyan('ℹ')} ${message}`;
}

function isEmpty(value: JsonValue): boolean {
  return value === null || (typeof value === 'object' && Object.keys(value).length === 0);
}

function summary(status: string, p: Painter): string {
  switch (status) {
    case 'succeeded':
      return p.green('✔ succeeded');
    case 'planned':
      return p.cyan('◇ plan complete: nothing was changed');
    case 'interrupted':
      return p.yellow('■ interrupted');
    case 'declined':
      return p.yellow('■ declined');
    case 'waiting':
      return p.yellow('■ waiting for approval');
    default:
      return p.red('✖ failed');
  }
}

export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}
