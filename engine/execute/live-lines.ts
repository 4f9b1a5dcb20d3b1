import type { OutputSpec } from '../document/runbook.js';
import type { StepView } from '../report/reporter.js';
import type { Redactor } from '../secrets.js';

type HeldLine = { kind: 'progress' | 'log' | 'note'; message: string };

const HOLDING_NOTICE = 'live output held until the step ends, then shown redacted: the step declares a secret output';
const WITHHELD_NOTICE = 'live output not shown: it holds a secret output too short to be masked';
/** A minified JSON document on one line would flood the terminal. */
const MAX_LINE_LENGTH = 500;

/**
 * A step's progress and log lines on their way to the reporter, redacted. The value of an
 * output the step marks secret is only known once the step returns, while its lines may
 * already show it (a shell step's stdout), so such a step's lines are held until then.
 */
export class LiveLines {
  private held: HeldLine[] | undefined;
  private withheld = false;

  constructor(
    private readonly view: StepView,
    private readonly redactor: Redactor,
    outputs: Record<string, OutputSpec> | undefined,
  ) {
    this.held = Object.values(outputs ?? {}).some((spec) => typeof spec === 'object' && spec.secret) ? [] : undefined;
  }

  progress(message: string): void {
    this.show({ kind: 'progress', message });
  }

  log(message: string): void {
    this.show({ kind: 'log', message });
  }

  note(message: string): void {
    this.show({ kind: 'note', message });
  }

  /** Shows what was held, redacted with every secret known by now, and holds the lines that follow. */
  release(): void {
    if (!this.held) return;
    const lines = this.held;
    this.held = [];
    for (const line of lines) this.write(line);
  }

  /** Releases what was held; lines from work the step leaves running afterwards go straight through. */
  end(): void {
    this.release();
    this.held = undefined;
  }

  /** Drops what was held and every line after it: they may show a secret that cannot be masked. */
  withhold(): void {
    if (!this.withheld && this.held && this.held.length > 0) this.view.progress(WITHHELD_NOTICE);
    this.withheld = true;
    this.held = [];
  }

  private show(line: HeldLine): void {
    if (this.withheld) return;
    if (!this.held) return this.write(line);
    if (this.held.length === 0) this.view.progress(HOLDING_NOTICE);
    this.held.push(line);
  }

  private write({ kind, message }: HeldLine): void {
    // redacted before it is cut: cut first, a line would show the first characters of a secret it ends in
    this.view[kind](cutLongLines(this.redactor.text(message)));
  }
}

function cutLongLines(text: string): string {
  if (text.length <= MAX_LINE_LENGTH) return text;
  return text
    .split('\n')
    .map((line) => (line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}…` : line))
    .join('\n');
}
