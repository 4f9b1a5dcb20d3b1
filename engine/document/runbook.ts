import type { JsonObject, JsonValue } from '../json.js';

/** A parameter as the runbook declares it under `params:`. */
export interface ParamSpec {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  description?: string;
  default?: JsonValue;
  required?: boolean;
  secret?: boolean;
  [schemaKeyword: string]: JsonValue | undefined;
}

export interface RetrySpec {
  maxAttempts: number;
  interval?: string;
  backoffRate?: number;
  maxInterval?: string;
  on?: string[];
  /** A JMESPath selector over the step's result: a result for which it is not true is retried too. */
  until?: string;
}

export type OutputSpec = string | { from: string; secret?: boolean };

/** A step as written under `steps:`, before any expression is evaluated. */
export interface StepSpec {
  id: string;
  type: string;
  name?: string;
  description?: string;
  with?: JsonObject;
  if?: boolean | string;
  /** Said instead of the condition when `if` is false. */
  skipReason?: string;
  forEach?: JsonValue[] | string;
  outputs?: Record<string, OutputSpec>;
  retry?: RetrySpec;
  timeout?: string;
  onFailure?: 'abort' | 'continue';
}

/** The whole document, once it has passed the schema. */
export interface Runbook {
  apiVersion: string;
  name: string;
  version: string;
  description?: string;
  requires?: { stepwise?: string };
  params?: Record<string, ParamSpec>;
  /** Where runs are announced; its shape is the notify channels' (engine/notify/notify-schema.ts). */
  notify?: JsonValue;
  plugins?: string[];
  steps: StepSpec[];
  outputs?: JsonObject;
}

/**
 * A settings block as the runbook writes it, expressions not yet evaluated; {} when absent. The
 * blocks are the step families' (StepRegistry.settingsBlocks), so the type above cannot name them.
 */
export function settingsBlockOf(runbook: Runbook, name: string): JsonObject {
  const block = (runbook as unknown as Record<string, JsonObject | undefined>)[name];
  return block ?? {};
}
