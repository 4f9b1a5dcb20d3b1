import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PlannedWrite, StepDecision } from '../execute/plan-review.js';
import { UsageError } from '../exit-codes.js';
import type { JsonObject, JsonSchema } from '../json.js';
import { writeFileAtomic } from '../state/write-file-atomic.js';
import { compileSchema } from '../validate/ajv.js';
import { actionableErrors, describeSchemaError } from '../validate/describe-schema-error.js';

/** The plan file's own format: a stepwise that reads an older one reads it; a newer one is refused. */
export const PLAN_FORMAT = 1;

/**
 * What `plan --out` writes and `apply` carries out (docs/plans.md). Nothing secret: secret
 * params by name only, every value from the run redacted.
 */
export interface PlanFile {
  format: number;
  kind: 'stepwise-plan';
  runbook: {
    /** Absolute, as on the machine that made the plan. */
    path: string;
    /** From the plan file's folder, where apply looks when `path` is not there (a plan moved with its checkout). */
    fromPlan: string;
    name: string;
    version: string;
    /** SHA-256 of all the files together, as run.json records it. */
    sha256: string;
    /** Each file it loads (the runbook first, plugins, sub-runbooks), by its path from the runbook's folder. */
    files: PlannedFileHash[];
  };
  /** The values of the params that are not secret, defaults included. */
  params: JsonObject;
  /** The secret params, by name: apply asks for them again. */
  secretParams: string[];
  settingsOverrides: Record<string, JsonObject>;
  engineVersion: string;
  /** user@host */
  madeBy: string;
  madeAt: string;
  /** Each step the plan reached, in order (`parent/child` for a sub-runbook's). */
  steps: PlannedStep[];
}

export interface PlannedFileHash {
  path: string;
  sha256: string;
}

export type PlannedStep = { id: string } & StepDecision & { writes?: PlannedWrite[] };

const STRING = { type: 'string' } as const;
const OBJECT = { type: 'object' } as const;

const WRITE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['status', 'input'],
  properties: {
    itemKey: STRING,
    status: { enum: ['planned', 'satisfied', 'depends'] },
    input: {},
    kept: OBJECT,
    basis: {},
    keptOutside: STRING,
    discardWith: { type: 'object', required: ['type', 'settings'], properties: { type: STRING, settings: { type: 'object', additionalProperties: OBJECT } } },
  },
};

/** What apply checks a plan file against before it trusts any of it. */
const PLAN_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['format', 'kind', 'runbook', 'params', 'secretParams', 'settingsOverrides', 'engineVersion', 'madeBy', 'madeAt', 'steps'],
  properties: {
    format: { const: PLAN_FORMAT },
    kind: { const: 'stepwise-plan' },
    runbook: {
      type: 'object',
      required: ['path', 'fromPlan', 'name', 'version', 'sha256', 'files'],
      properties: {
        path: STRING,
        fromPlan: STRING,
        name: STRING,
        version: STRING,
        sha256: STRING,
        files: { type: 'array', minItems: 1, items: { type: 'object', required: ['path', 'sha256'], properties: { path: STRING, sha256: STRING } } },
      },
    },
    params: OBJECT,
    secretParams: { type: 'array', items: STRING },
    settingsOverrides: { type: 'object', additionalProperties: OBJECT },
    engineVersion: STRING,
    madeBy: STRING,
    madeAt: STRING,
    steps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'decision'],
        properties: {
          id: STRING,
          decision: { enum: ['ran', 'skipped', 'depends'] },
          items: { type: 'array', items: STRING },
          dependsOn: { type: 'array', items: STRING },
          writes: { type: 'array', items: WRITE_SCHEMA },
        },
      },
    },
  },
};

/** Written whole or not at all, readable by its owner only: it names the system and its params. */
export function writePlanFile(file: string, plan: PlanFile): void {
  writeFileAtomic(file, `${JSON.stringify(plan, null, 2)}\n`, 0o600);
}

/** A plan file as apply reads it, with the SHA-256 of its bytes (run.json names the plan by it). */
export interface ReadPlan {
  file: string;
  plan: PlanFile;
  sha256: string;
}

/** Refuses, located and saying what would be allowed, anything that is not a plan file this stepwise reads. */
export function readPlanFile(file: string): ReadPlan {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: cannot read the plan file (${code === 'ENOENT' ? 'there is no such file' : (code ?? (error as Error).message)}); make one with \`stepwise plan RUNBOOK --out ${file}\``);
  }
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}${jsonErrorLocation(text, error as Error)}: not a plan file: it is not valid JSON (${(error as Error).message}); make one with \`stepwise plan RUNBOOK --out ${file}\``);
  }
  const format = typeof value === 'object' && value !== null ? (value as { format?: unknown; kind?: unknown }) : {};
  if (format.kind !== 'stepwise-plan') throw new UsageError(`${file}: not a stepwise plan file (it has no "kind": "stepwise-plan"); make one with \`stepwise plan RUNBOOK --out ${file}\``);
  if (typeof format.format === 'number' && format.format > PLAN_FORMAT) {
    throw new UsageError(`${file}: plan format ${format.format} was written by a newer stepwise; this one reads format ${PLAN_FORMAT}: upgrade stepwise, or make the plan again with this one`);
  }
  const validate = compileSchema(PLAN_SCHEMA);
  if (!validate(value)) {
    const problems = actionableErrors(validate.errors ?? []).map((error) => describeSchemaError(error, (at) => (at.length ? `"${at.join('.')}"` : 'the plan')).message);
    throw new UsageError(`${file}: not a plan file this stepwise can apply (format ${PLAN_FORMAT}):`, problems);
  }
  return { file, plan: value as PlanFile, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** `:line:col` of where JSON.parse stopped, when it says (`at position N`). */
function jsonErrorLocation(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message)?.[1] ?? (/end of JSON/.test(error.message) ? String(text.length) : undefined);
  if (position === undefined) return '';
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  return `:${line}:${Number(position) - before.lastIndexOf('\n')}`;
}

/** Each file's SHA-256, by its path from the runbook's folder (the runbook first). */
export function hashEachFile(files: readonly string[]): PlannedFileHash[] {
  const root = path.dirname(files[0] ?? '.');
  return files.map((file) => ({ path: path.relative(root, file), sha256: createHash('sha256').update(readFileSync(file)).digest('hex') }));
}

/**
 * The runbook the plan was made from: where it was, else the same path from the plan file's
 * folder (a plan that travelled with its checkout). Its hashes then tell whether it is the same.
 */
export function runbookOf({ file, plan }: ReadPlan): string {
  const fromPlan = path.resolve(path.dirname(file), plan.runbook.fromPlan);
  for (const candidate of [plan.runbook.path, fromPlan]) if (existsSync(candidate)) return candidate;
  throw new UsageError(`${file}: the plan's runbook is not at ${plan.runbook.path} nor at ${fromPlan} (its path from the plan file); apply the plan where its runbook is`);
}
