import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../json.js';
import type { Redactor } from '../secrets.js';
import { StepFailure } from '../step-failure.js';
import type { OutputPath } from './events.js';
import { outputReference } from './redacted-paths.js';

interface Origin {
  stepId: string;
  path: OutputPath;
}

/**
 * On resume, an output the journal holds only redacted stands in the run as a token that no
 * step ever receives: expressions may carry it (into a template, a sub-runbook's params), and
 * a step whose input holds it stops and says how to get the value back. The token is a secret
 * of the run, so any rendering shows the mask and the journal marks it unrestorable again.
 */
export class UnrestorableValues {
  private readonly origins = new Map<string, Origin>();

  constructor(
    private readonly redactor: Redactor,
    private readonly runId: string,
  ) {}

  /** The outputs with a token at each path the journal could not keep. */
  standIn(stepId: string, outputs: JsonValue, paths: readonly OutputPath[]): JsonValue {
    let result = structuredClone(outputs);
    for (const path of paths) result = replaceAt(result, path, () => this.token({ stepId, path }));
    return result;
  }

  /** Refuses an input that holds a token, naming the output and how to get it back. */
  refuseIn(input: unknown, stepId: string): void {
    if (this.origins.size === 0) return;
    const origin = this.find(input);
    if (!origin) return;
    const output = outputReference(origin.stepId, origin.path);
    throw new StepFailure(
      `step "${stepId}" needs ${output}, which this resume cannot give back: the journal holds it redacted (it is or holds a secret), and step "${origin.stepId}" made a change, so it is not run again by itself`,
      { code: 'unrestorable', retryable: false, details: `to run it again and get the value back: stepwise resume ${this.runId} --from ${origin.stepId}` },
    );
  }

  private token(origin: Origin): string {
    const token = `stepwise-unrestorable-${randomUUID()}`;
    this.origins.set(token, origin);
    this.redactor.add(token);
    return token;
  }

  private find(value: unknown): Origin | undefined {
    if (typeof value === 'string') {
      for (const [token, origin] of this.origins) if (value.includes(token)) return origin;
      return undefined;
    }
    if (typeof value !== 'object' || value === null) return undefined;
    for (const item of Object.values(value)) {
      const found = this.find(item);
      if (found) return found;
    }
    return undefined;
  }
}

function replaceAt(value: JsonValue, path: OutputPath, make: () => string): JsonValue {
  if (path.length === 0) return make();
  const [head, ...rest] = path;
  if (Array.isArray(value) && typeof head === 'number' && head < value.length) {
    return value.map((item, index) => (index === head ? replaceAt(item, rest, make) : item));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof head === 'string' && head in value) {
    return { ...value, [head]: replaceAt(value[head]!, rest, make) };
  }
  return value;
}
