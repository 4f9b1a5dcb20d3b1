import type { RunObserver } from '../execute/events.js';

/** Where a running step's live messages go. */
export interface StepView {
  /** Replaces the step's status line. */
  progress(message: string): void;
  /** Adds a line of output under the step. */
  log(message: string): void;
  /** A line that stays under the step once it is over. */
  note(message: string): void;
}

/** Renders a run for a person: events in order, plus live step messages and questions. */
export interface Reporter extends RunObserver {
  view(stepId: string): StepView;
  /**
   * Asks on the terminal; only called when a terminal is there to answer. The question is
   * withdrawn when `signal` aborts; Ctrl-C at it throws an interruption.
   */
  confirm(message: string, signal: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}
