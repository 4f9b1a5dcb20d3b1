import { parse as parseYaml } from 'yaml';
import { UsageError } from '../exit-codes.js';
import type { ParamSpec } from '../document/runbook.js';
import type { JsonObject, JsonValue } from '../json.js';
import { compileSchema } from '../validate/ajv.js';
import { actionableErrors, describeSchemaError } from '../validate/describe-schema-error.js';
import { didYouMean } from '../validate/did-you-mean.js';
import { hasTooShortSecret, MIN_SECRET_LENGTH } from '../secrets.js';
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
 * Reads text values (from `-p`, STEPWISE_PARAM_<NAME> or typed at a prompt) against their declared type: YAML
 * for non-strings, so `[a, b]` is a list; then checks them all, reporting every problem.
 */
export function resolveParams(specs: Specs, raw: Record<string, string>, env: NodeJS.ProcessEnv, typed: Record<string, string> = {}): ResolvedParams {
  const given: JsonObject = {};
  const sources: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs ?? {})) {
    const [text, source] = firstGiven([raw[name], `-p ${name}`], [env[paramEnvName(name)], paramEnvName(name)], [typed[name], `the ${name} typed`]);
    if (text === undefined) continue;
    given[name] = readValue(text, spec);
    sources[name] = source;
  }
  const unknown = Object.keys(raw).filter((name) => !(name in (specs ?? {})));
  return checkParams(specs, given, unknown.map((name) => [`-p ${name}`, name]), sources, howToGive);
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
  return checkParams(specs, known, unknown.map((name) => [`params.${name}`, name]), {}, null);
}

/**
 * `howToGive` says how a missing param is given; null where nobody can give it (a sub-runbook's
 * params come from its parent step).
 */
type HowToGive = ((name: string, spec: ParamSpec) => string) | null;

function checkParams(specs: Specs, given: JsonObject, unknown: [label: string, name: string][], sources: Record<string, string>, howToGive: HowToGive): ResolvedParams {
  const declared = specs ?? {};
  const names = Object.keys(declared);
  const problems = unknown.map(([label, name]) => `${label}: unknown parameter "${name}"${didYouMean(name, names) || (names.length ? `; this runbook takes: ${names.join(', ')}` : '; this runbook takes no parameters')}`);
  const values: JsonObject = {};
  const secrets: JsonValue[] = [];
  for (const [name, spec] of Object.entries(declared)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) {
      if (isRequired(spec as JsonObject)) problems.push(`missing required parameter "${name}"${spec.description ? ` (${spec.description})` : ''}${howToGive ? `: ${howToGive(name, spec)}` : ''}`);
      continue;
    }
    const prefix = sources[name] ? `${sources[name]}: ` : '';
    const invalid = checkValue(name, value, spec);
    if (invalid.length > 0) {
      const hint = sources[name] ? listHint(name, value, spec, sources[name]) : '';
      problems.push(...invalid.map((message) => prefix + message + hint));
      continue;
    }
    if (spec.secret) {
      if (hasTooShortSecret(value)) problems.push(`${prefix}a secret must be at least ${MIN_SECRET_LENGTH} characters long`);
      secrets.push(value);
    }
    values[name] = value;
  }
  if (problems.length > 0) throw new UsageError('invalid parameters', problems);
  return { values, secrets };
}

function firstGiven(...candidates: [text: string | undefined, source: string][]): [string | undefined, string] {
  return candidates.find(([text]) => text !== undefined) ?? [undefined, ''];
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

/** A secret given with -p stays in the shell's history: it comes from the environment, or a prompt. */
function howToGive(name: string, spec: ParamSpec): string {
  if (!spec.secret) return `pass -p ${name}=...`;
  return `it is secret, so not -p (which the shell's history keeps): set ${paramEnvName(name)}=... in the environment, or run on a terminal to be asked for it`;
}

/**
 * A list param given as plain text (`-p databases=movies`, or `movies,inventory`) was meant as
 * a list: the message shows it written as one, quoted for the shell.
 */
function listHint(name: string, value: JsonValue, spec: ParamSpec, source: string): string {
  if (spec.type !== 'array' || typeof value !== 'string') return '';
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  const list = `[${items.join(', ')}]`;
  return source.startsWith('-p ') ? `; write it as a list: -p ${shellQuote(`${name}=${list}`)}` : `; write it as a list: ${source}=${shellQuote(list)}`;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
