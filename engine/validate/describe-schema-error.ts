import { DURATION_RULE } from '../document/runbook-schema.js';
import { DURATION_PATTERN } from '../duration.js';
import type { ErrorObject } from './ajv.js';
import type { DocPath } from '../load/source-map.js';
import { closestName, didYouMean } from './did-you-mean.js';
import type { Rule } from './diagnostic.js';

/** A schema error translated for an author: where it is and what would be allowed. */
export interface SchemaProblem {
  path: DocPath;
  /** Point at the key rather than its value (an unknown key, say). */
  atKey: boolean;
  message: string;
  rule: Rule;
}

function parseInstancePath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/**
 * Keeps the errors an author can act on. Of an `anyOf` that failed, ajv reports every branch:
 * when the value's type picks one branch, that branch's errors say what is wrong, else only the
 * `anyOf` itself says what the value may be. A required key the author only misspelt is already
 * reported as the unknown key, with the right name.
 */
export function actionableErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const chosen = new Map(alternatives.map((alt) => [alt, chosenBranch(alt, errors)]));
  const hidden = (e: ErrorObject) =>
    alternatives.some((alt) => {
      if (alt === e) return chosen.get(alt) !== undefined;
      const inside = e.instancePath.startsWith(alt.instancePath) && e.schemaPath.startsWith(`${alt.schemaPath}/`);
      const branch = chosen.get(alt);
      return inside && (branch === undefined || !e.schemaPath.startsWith(branch));
    });
  const propertyNameErrors = errors.filter((e) => e.keyword === 'propertyNames');
  const isPropertyNameDetail = (e: ErrorObject) => propertyNameErrors.some((p) => p !== e && e.schemaPath.includes('/propertyNames/') && e.instancePath === p.instancePath);
  const misspelt = (e: ErrorObject) => (e.keyword === 'required' && errors.some((other) => isMisspellingOf(other, e))) || (isRequiredAlternatives(e) && errors.some((other) => isMisspellingOfOneOf(other, e)));
  return errors.filter((e) => !hidden(e) && !isPropertyNameDetail(e) && !misspelt(e) && e.keyword !== 'if');
}

/** The schema path of the one branch whose type fits the value, when that branch reported errors. */
function chosenBranch(alternative: ErrorObject, errors: readonly ErrorObject[]): string | undefined {
  const branches = (Array.isArray(alternative.schema) ? alternative.schema : []) as { type?: string | string[] }[];
  const fitting = branches.flatMap((branch, i) => (branch.type !== undefined && typeFits(branch.type, alternative.data) ? [i] : []));
  if (fitting.length !== 1) return undefined;
  const prefix = `${alternative.schemaPath}/${fitting[0]}/`;
  return errors.some((e) => e.schemaPath.startsWith(prefix)) ? prefix : undefined;
}

function typeFits(type: string | string[], value: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => t === jsonType(value) || (t === 'number' && typeof value === 'number') || (t === 'integer' && Number.isInteger(value)));
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** An `anyOf` of keys one of which is needed, such as a notify target's channels. */
function isRequiredAlternatives(error: ErrorObject): boolean {
  const branches = Array.isArray(error.schema) ? (error.schema as { type?: unknown; required?: unknown }[]) : [];
  return error.keyword === 'anyOf' && branches.length > 0 && branches.every((branch) => branch.type === undefined && Array.isArray(branch.required));
}

/** The unknown key is a misspelling of one of the keys the alternatives need: that key is reported with the right name. */
function isMisspellingOfOneOf(unknownKey: ErrorObject, alternatives: ErrorObject): boolean {
  if (unknownKey.keyword !== 'additionalProperties' || unknownKey.instancePath !== alternatives.instancePath) return false;
  const needed = (alternatives.schema as { required: string[] }[]).flatMap((branch) => branch.required);
  return closestName(String(unknownKey.params.additionalProperty), needed) !== undefined;
}

function isMisspellingOf(unknownKey: ErrorObject, missing: ErrorObject): boolean {
  if (unknownKey.keyword !== 'additionalProperties' || unknownKey.instancePath !== missing.instancePath) return false;
  const allowed = Object.keys((unknownKey.parentSchema as AnnotatedSchema | undefined)?.properties ?? {});
  return closestName(String(unknownKey.params.additionalProperty), allowed) === missing.params.missingProperty;
}

/**
 * What the schema says about the value at fault. `patternErrorMessage` and `errorMessage` are
 * the keywords YAML language servers show in editors, so both audiences read the same words.
 */
interface AnnotatedSchema {
  type?: string | string[];
  pattern?: string;
  description?: string;
  properties?: Record<string, { description?: string } | undefined>;
  patternErrorMessage?: string;
  errorMessage?: string;
}

/** The source text of the value at a path, as the author wrote it. */
export type WrittenText = (path: DocPath) => string | undefined;

export function describeSchemaError(error: ErrorObject, subject: (path: DocPath) => string, written: WrittenText = () => undefined): SchemaProblem {
  const path = parseInstancePath(error.instancePath);
  const where = subject(path);
  const schema = (error.parentSchema ?? {}) as AnnotatedSchema;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(schema.properties ?? {});
      const hint = didYouMean(key, allowed) || (allowed.length > 0 ? `; allowed: ${allowed.join(', ')}` : '');
      return { path: [...path, key], atKey: true, message: `unknown key "${key}" in ${where}${hint}`, rule: 'unknown-key' };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      return { path, atKey: true, message: `${where} is missing the required key "${missing}"${explain(schema.properties?.[missing]?.description)}`, rule: 'missing-key' };
    }
    case 'type':
      return { path, atKey: false, message: describeWrongType(where, schema, error.data, written(path)), rule: 'wrong-type' };
    case 'enum': {
      const allowed = params.allowedValues as unknown[];
      // only a string can be a typo of one; String() of a mapping with a `toString` key throws
      const hint = typeof error.data === 'string' ? didYouMean(error.data, allowed.map(String)) : '';
      return { path, atKey: false, message: `${where} must be one of ${allowed.map(show).join(', ')}, not ${show(error.data)}${hint}`, rule: 'not-allowed' };
    }
    case 'const':
      return { path, atKey: false, message: `${where} must be ${show(params.allowedValue)}, not ${show(error.data)}`, rule: 'not-allowed' };
    case 'pattern':
      return { path, atKey: false, message: `${where} ${expectation(schema) ?? `must match the pattern ${String(params.pattern)}`}, not ${show(error.data)}`, rule: 'bad-format' };
    case 'format':
      return { path, atKey: false, message: `${where} must be a valid ${String(params.format)}, not ${show(error.data)}`, rule: 'bad-format' };
    case 'propertyNames':
      return { path: [...path, String(params.propertyName)], atKey: true, message: describeBadName(where, String(params.propertyName)), rule: 'bad-format' };
    case 'anyOf':
    case 'oneOf':
      return { path, atKey: false, message: describeAlternatives(where, schema, error), rule: 'no-alternative-fits' };
    case 'minItems':
      return { path, atKey: path.length > 0, message: `${where} needs at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`, rule: 'out-of-range' };
    case 'maxItems':
      return { path, atKey: false, message: `${where} takes at most ${String(params.limit)} items`, rule: 'out-of-range' };
    case 'minLength':
      return { path, atKey: false, message: `${where} must not be ${params.limit === 1 ? 'empty' : `shorter than ${String(params.limit)} characters`}`, rule: 'out-of-range' };
    case 'maxLength':
      return { path, atKey: false, message: `${where} must not be longer than ${String(params.limit)} characters`, rule: 'out-of-range' };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, atKey: false, message: `${where} must be ${String(params.comparison)} ${String(params.limit)}, not ${show(error.data)}`, rule: 'out-of-range' };
    default:
      return { path, atKey: false, message: `${where} ${error.message ?? 'is not valid'}`, rule: 'invalid-value' };
  }
}

/** An `anyOf` or `oneOf` that failed as a whole: what its branches accept. */
function describeAlternatives(where: string, schema: AnnotatedSchema, error: ErrorObject): string {
  const branches = (Array.isArray(error.schema) ? error.schema : []) as { type?: string | string[]; required?: string[] }[];
  // a oneOf also fails when the value fits more than one branch
  const fitsSeveral = Array.isArray((error.params as { passingSchemas?: unknown }).passingSchemas);
  const keys = branches.flatMap((branch) => branch.required ?? []).map((key) => `"${key}"`);
  if (branches.length > 0 && branches.every((branch) => branch.type === undefined && branch.required)) {
    return fitsSeveral ? `${where} takes only one of ${keys.join(', ')}` : `${where} needs ${keys.join(' or ')}`;
  }
  if (fitsSeveral) return `${where} fits more than one of the forms it may take; it must fit exactly one`;
  if (schema.errorMessage) return `${where} ${schema.errorMessage}, not ${describeValue(error.data)}`;
  const types = [...new Set(branches.flatMap((branch) => branch.type ?? []))];
  return `${where} must be ${types.length > 0 ? article(types.join(',')) : 'one of the allowed forms'}, not ${describeValue(error.data)}`;
}

/** What a patterned string must look like, in words; step types share the engine's durations. */
function expectation(schema: AnnotatedSchema): string | undefined {
  return schema.patternErrorMessage ?? (schema.pattern === DURATION_PATTERN ? DURATION_RULE : undefined);
}

function describeBadName(where: string, name: string): string {
  const dash = name.includes('-') ? ' (in an expression, "-" is a minus sign)' : '';
  return `${where} has an invalid name ${show(name)}: use letters, digits and underscores, starting with a letter or an underscore${dash}`;
}

function describeWrongType(where: string, schema: AnnotatedSchema, value: unknown, written: string | undefined): string {
  const expected = expectation(schema) ?? `must be ${article(String(schema.type))}`;
  return `${where} ${expected}, not ${describeValue(value, written)}${quoteHint(schema, value, written)}${booleanHint(schema, value)}`;
}

/** YAML 1.1 read yes, no, on and off as booleans; YAML 1.2, which stepwise reads, keeps them as text. */
function booleanHint(schema: AnnotatedSchema, value: unknown): string {
  const yaml11 = typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value);
  return schema.type === 'boolean' && yaml11 ? '; YAML reads yes, no, on and off as text: write true or false' : '';
}

/** YAML reads `1.0` or `2.15` as a number unless it is quoted: the author meant text. */
function quoteHint(schema: AnnotatedSchema, value: unknown, written: string | undefined): string {
  const anyText = String(schema.type).includes('string') && schema.pattern === undefined;
  const readAsNumber = typeof value === 'number' && written !== undefined && (written.includes('.') || written !== String(value));
  return anyText && readAsNumber ? `; to keep it as text, put it in quotes: "${written}"` : '';
}

/** The first sentence of a property's description, when it is short enough to help in one line. */
function explain(description: string | undefined): string {
  const sentence = description?.split(/\.(\s|$)/)[0];
  if (!sentence) return '';
  const short = sentence.length <= 90 ? sentence : sentence.split(':')[0]!;
  return short.length <= 90 ? ` (${lowerFirst(short)})` : '';
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null' };
  return type.split(',').map((t) => names[t] ?? t).join(' or ');
}

/** `written` is the source text, so that `1.0` is not shown as the number 1. */
export function describeValue(value: unknown, written?: string): string {
  if (value === null || value === undefined) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${show(value)}`;
  if (typeof value === 'boolean') return `${value}`;
  return `the number ${written ?? String(value)}`;
}

/** A value as a message quotes it: JSON, cut short when long. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function lowerFirst(text: string): string {
  return (text.charAt(0).toLowerCase() + text.slice(1)).replace(/\.$/, '');
}
