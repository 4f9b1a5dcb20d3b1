/**
 * A value a dry-run cannot know because the write step that produces it did not run.
 * It flows on symbolically: whatever reads it is shown as "depends on <step>".
 */
export class Unknown {
  constructor(readonly dependsOn: readonly string[]) {}

  toString(): string {
    return `<depends on ${this.dependsOn.join(', ')}>`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** The unknowns anywhere inside a resolved value, merged into one. */
export function findUnknown(value: unknown): Unknown | undefined {
  const steps = new Set<string>();
  collect(value, steps);
  return steps.size > 0 ? new Unknown([...steps]) : undefined;
}

function collect(value: unknown, steps: Set<string>): void {
  if (value instanceof Unknown) for (const step of value.dependsOn) steps.add(step);
  else if (Array.isArray(value)) for (const item of value) collect(item, steps);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) collect(item, steps);
}

/** The same value with every unknown's step ids renamed (a sub-runbook's, prefixed by its parent step). */
export function renameUnknowns<T>(value: T, rename: (stepId: string) => string): T {
  if (value instanceof Unknown) return new Unknown(value.dependsOn.map(rename)) as T;
  if (Array.isArray(value)) return value.map((item) => renameUnknowns(item, rename)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renameUnknowns(item, rename)])) as T;
  }
  return value;
}
