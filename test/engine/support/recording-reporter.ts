import type { RunEvent } from '../../../engine/execute/events.js';
import type { Reporter, StepView } from '../../../engine/report/reporter.js';

type EventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** Keeps everything a run shows a person, and answers questions from a script. */
export class RecordingReporter implements Reporter {
  readonly events: RunEvent[] = [];
  /** Live step messages, as `<label> progress: <message>`, `<label> log: <message>` or `<label> note: <message>`. */
  readonly lines: string[] = [];
  readonly questions: string[] = [];
  private readonly answers: boolean[];

  constructor(answers: readonly boolean[] = []) {
    this.answers = [...answers];
  }

  onEvent(event: RunEvent): void {
    this.events.push(event);
  }

  view(label: string): StepView {
    return {
      progress: (message) => void this.lines.push(`${label} progress: ${message}`),
      log: (message) => void this.lines.push(`${label} log: ${message}`),
      note: (message) => void this.lines.push(`${label} note: ${message}`),
    };
  }

  async confirm(message: string): Promise<boolean> {
    this.questions.push(message);
    const answer = this.answers.shift();
    if (answer === undefined) throw new Error(`the test did not expect the question: ${message}`);
    return answer;
  }

  async close(): Promise<void> {}

  ofType<T extends RunEvent['type']>(type: T): EventOf<T>[] {
    return this.events.filter((event): event is EventOf<T> => event.type === type);
  }

  /** `type:stepId` (with `[item]` when there is one) of every step event, in order. */
  timeline(): string[] {
    return this.events.map((event) => {
      if (!('stepId' in event)) return event.type;
      const item = 'item' in event && event.item !== undefined ? `[${event.item}]` : '';
      return `${event.type}:${event.stepId}${item}`;
    });
  }
}
