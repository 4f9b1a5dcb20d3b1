import { parse as parseYaml } from 'yaml';
import { UsageError } from '../exit-codes.js';
import type { ParamSpec } from '../document/runbook.js';
import type { JsonObject, JsonValue } from '../json.js';
import { compileSchema } from '../validate/ajv.js';
import { actionableErrors, describeSchemaError } from '../validate/describe-schema-error.js';
import { didYouMean } from '../validate/did-you-mean.js';
import { MIN_SECRET_LENGTH } from '../secrets.js';
import { isRequired, paramSchema } from './param-schema.js';

export interface ResolvedParams {
  values: JsonObject;
  /** Values of `secret: true` params, for the redactor. */
  secrets: JsonValue[];
}

type Specs = Record<string, ParamSpec> | undefined;

/** `-p key=value` pairs as given, before they are read against their declarations. */
export function splitParamArguments(pairs: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`-p ${pair}: expected key=value`);
    raw[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return raw;
}

/** The environment variable that can carry a param (used for secrets on resume). */
export function paramEnvName(name: string): string {
  return `STEPWISE_PARAM_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

/**
 * Reads text values (from `-p` or STEPWISE_PARAM_<NAME>) against their declared type: YAML
 * for non-strings, so `[a, b]` is a list; then checks them all, reporting every problem.
 */
export function resolveParams(specs: Specs, raw: Record<string, string>, env: NodeJS.ProcessEnv): ResolvedParams {
  const given: JsonObject = {};
  const sources: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs ?? {})) {
    const fromArgument = raw[name];
    const text = fromArgument ?? env[paramEnvName(name)];
    if (text === undefined) continue;
    given[name] = readValue(text, spec);
    sources[name] = fromArgument !== undefined ? `-p ${name}` : paramEnvName(name);
  }
  const unknown = Object.keys(raw).filter((name) => !(name in (specs ?? {})));
  return checkParams(specs, given, unknown.map((name) => [`-p ${name}`, name]), sources);
}

/**
 * A resumed run's params: those its run record holds (which anyone who may write the store
 * could have edited), and the text of those given again (secrets, never stored, and params
 * the runbook took on since, with --allow-changed), all checked as on a new run. `where`
 * names the record in a message.
 */
export function resolveResumeParams(specs: Specs, recorded: JsonObject, again: Record<string, string>, where: string, resumeHint: (name: string) => string): ResolvedParams {
  const given: JsonObject = {};
  const sources: Record<string, string> = {};
  for (const [name, value] of Object.entries(recorded)) {
    if (!(name in (specs ?? {}))) continue;
    given[name] = value;
    sources[name] = where;
  }
  for (const [name, text] of Object.entries(again)) {
    const spec = specs?.[name];
    if (!spec) continue;
    given[name] = readValue(text, spec);
    sources[name] = paramEnvName(name);
  }
  const unknown = Object.keys(recorded).filter((name) => !(name in (specs ?? {})));
  return checkParams(specs, given, unknown.map((name) => [where, name]), sources, resumeHint);
}

/** Values already typed (a sub-runbook's `params`), checked like command-line ones. */
export function resolveParamValues(specs: Specs, values: JsonObject): ResolvedParams {
  const unknown = Object.keys(values).filter((name) => !(name in (specs ?? {})));
  const known = Object.fromEntries(Object.entries(values).filter(([name]) => name in (specs ?? {})));
  return checkParams(specs, known, unknown.map((name) => [`params.${name}`, name]), {});
}

function checkParams(specs: Specs, given: JsonObject, unknown: [label: string, name: string][], sources: Record<string, string>, howToGive = (name: string) => `pass -p ${name}=...`): ResolvedParams {
  const declared = specs ?? {};
  const names = Object.keys(declared);
  const problems = unknown.map(([label, name]) => `${label}: unknown parameter "${name}"${didYouMean(name, names) || (names.length ? `; this runbook takes: ${names.join(', ')}` : '; this runbook takes no parameters')}`);
  const values: JsonObject = {};
  const secrets: JsonValue[] = [];
  for (const [name, spec] of Object.entries(declared)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) {
      if (isRequired(spec as JsonObject)) problems.push(`missing required parameter "${name}"${spec.description ? ` (${spec.description})` : ''}: ${howToGive(name)}`);
      continue;
    }
    const prefix = sources[name] ? `${sources[name]}: ` : '';
    const invalid = checkValue(name, value, spec);
    if (invalid.length > 0) {
      problems.push(...invalid.map((message) => prefix + message));
      continue;
    }
    if (spec.secret) {
      if ((typeof value === 'string' || typeof value === 'number') && String(value).length < MIN_SECRET_LENGTH) problems.push(`${prefix}a secret must be at least ${MIN_SECRET_LENGTH} characters long`);
      secrets.push(value);
    }
    values[name] = value;
  }
  if (problems.length > 0) throw new UsageError('invalid parameters', problems);
  return { values, secrets };
}

function readValue(text: string, spec: ParamSpec): JsonValue {
  if (spec.type === undefined || spec.type === 'string') return text;
  try {
    return parseYaml(text) as JsonValue;
  } catch {
    return text;
  }
}

function checkValue(name: string, value: JsonValue, spec: ParamSpec): string[] {
  const validate = compileSchema(paramSchema(spec as JsonObject));
  if (validate(value)) return [];
  return actionableErrors(validate.errors ?? []).map((error) => {
    const message = describeSchemaError(error, (path) => (path.length ? `"${path.join('.')}" of parameter "${name}"` : `parameter "${name}"`)).message;
    return spec.secret ? message.replace(/(, not|; got) .*$/, '') : message;
  });
}
