/** One person's decision at an approval, as the run's state keeps it (engine/state/state-backend.ts). */
export interface Decision {
  /** The approval's step, as the journal names it (`parent/child` in a sub-runbook). */
  stepId: string;
  /** For a forEach item: its value in canonical JSON, by which a resume knows it. */
  itemKey?: string;
  /**
   * How many times the approval was given before this decision (absent: none). An approval that
   * a resume asks again, since it comes after the last change, is a new round: earlier decisions
   * were spent on the earlier one.
   */
  round?: number;
  /** Who decided: an identity as `whoIsRunning` gives it. */
  by: string;
  decision: 'approve' | 'reject';
  reason?: string;
  decidedAt: string;
}

/** The decisions of one approval (a step, or one item of a forEach step), oldest first. */
export function decisionsAt(decisions: readonly Decision[], stepId: string, itemKey: string | undefined, round: number): Decision[] {
  return decisions.filter((decision) => decision.stepId === stepId && decision.itemKey === itemKey && (decision.round ?? 0) === round).sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
}

/** Reads a stored decision back; undefined when the text is not one (a damaged or foreign file). */
export function parseDecision(text: string): Decision | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const d = value as Record<string, unknown>;
  const optionalString = (field: unknown) => field === undefined || typeof field === 'string';
  const valid =
    typeof d.stepId === 'string' &&
    typeof d.by === 'string' &&
    (d.decision === 'approve' || d.decision === 'reject') &&
    typeof d.decidedAt === 'string' &&
    optionalString(d.itemKey) &&
    (d.round === undefined || (typeof d.round === 'number' && Number.isSafeInteger(d.round) && d.round > 0)) &&
    optionalString(d.reason);
  return valid ? (d as unknown as Decision) : undefined;
}
