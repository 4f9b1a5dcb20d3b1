import { DURATION_PATTERN } from '../duration.js';
import type { JsonSchema } from '../step-definition.js';
import type { NotifyChannel, SettingsBlock } from '../step-family.js';
import { notifySchema } from '../notify/notify-schema.js';

export const API_VERSION = 'stepwise/v1';
const STEP_ID_PATTERN = '^[a-z][a-z0-9-]*$';
const PARAM_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/*
 * `patternErrorMessage` and `errorMessage` are the keywords YAML language servers show in
 * editors instead of a bare pattern; `stepwise validate` uses the same words.
 */

const NAME_RULE = 'must be lower case letters, digits and dashes, starting with a letter';

export const DURATION_RULE = 'must be a duration such as 500ms, 30s, 10m, 1h or 1h30m';

const duration: JsonSchema = {
  type: 'string',
  pattern: DURATION_PATTERN,
  patternErrorMessage: DURATION_RULE,
  description: 'A duration such as 500ms, 30s, 10m, 1h or 1h30m.',
};

/** One `${{ }}` and nothing around it but spaces: a second one would turn the value into text. */
const ONE_EXPRESSION_PATTERN = '^\\s*\\$\\{\\{(?:(?!\\$\\{\\{)[\\s\\S])*\\}\\}\\s*$';

const expressionOr = (schema: JsonSchema, allowed: string, description: string): JsonSchema => {
  const rule = `must be ${allowed} or one \${{ }} expression`;
  return { description, errorMessage: rule, anyOf: [schema, { type: 'string', pattern: ONE_EXPRESSION_PATTERN, patternErrorMessage: rule }] };
};

export const paramDeclarationSchema: JsonSchema = {
  type: 'object',
  description: 'A parameter: a JSON Schema for its value, plus stepwise\'s own keys.',
  additionalProperties: false,
  properties: {
    type: { enum: ['string', 'number', 'integer', 'boolean', 'array', 'object'], description: 'The value\'s type; -p values are read as YAML and checked against it.' },
    description: { type: 'string', description: 'What the parameter is for.' },
    default: { description: 'The value when none is given.' },
    required: { type: 'boolean', description: 'Defaults to true unless a default is given.' },
    secret: { type: 'boolean', description: 'Never written to the journal, plans, logs or progress output.' },
    enum: { type: 'array', description: 'The allowed values.' },
    pattern: { type: 'string', format: 'regex', description: 'A regular expression a string value must match.' },
    format: { type: 'string', description: 'A JSON Schema format such as uri.' },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
    minLength: { type: 'integer', minimum: 0 },
    maxLength: { type: 'integer', minimum: 0 },
    items: { type: 'object', description: 'The schema of each item of an array parameter.' },
    minItems: { type: 'integer', minimum: 0 },
  },
};

const retry: JsonSchema = {
  type: 'object',
  description: 'Run the step again when it fails.',
  additionalProperties: false,
  required: ['maxAttempts'],
  properties: {
    maxAttempts: { type: 'integer', minimum: 1, maximum: 100, description: 'Attempts in all, the first one included.' },
    interval: { ...duration, description: 'Wait before the second attempt (default 1s).' },
    backoffRate: { type: 'number', minimum: 1, description: 'Each wait is the previous one times this (default 2).' },
    maxInterval: { ...duration, description: 'The longest wait between attempts.' },
    on: {
      type: 'array',
      items: { type: 'string' },
      minItems: 1,
      description: 'Failure codes that retry (such as timeout, exit-code, throttling); default: every retryable failure.',
    },
    until: {
      type: 'string',
      minLength: 1,
      description:
        "A JMESPath selector over the step's result, such as `length(Instances) >= \\`2\\``: a result for which it is not true is retried too, until the attempts run out (code until-not-met).",
    },
  },
};

const output: JsonSchema = {
  description: 'A JMESPath selector over the step\'s raw result, or { from, secret }.',
  errorMessage: 'must be a JMESPath selector or a mapping { from, secret }',
  anyOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      additionalProperties: false,
      required: ['from'],
      properties: {
        from: { type: 'string', minLength: 1, description: 'A JMESPath selector over the step\'s raw result.' },
        secret: { type: 'boolean', description: 'Redact this output everywhere it would be shown or stored.' },
      },
    },
  ],
};

export const STEP_FIELDS = ['id', 'type', 'name', 'description', 'with', 'if', 'skipReason', 'forEach', 'outputs', 'retry', 'timeout', 'onFailure'] as const;

export const stepSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type'],
  properties: {
    id: { type: 'string', pattern: STEP_ID_PATTERN, patternErrorMessage: `${NAME_RULE} (such as read-stack)`, description: 'Unique within the runbook: lower case letters, digits and dashes, starting with a letter.' },
    type: { type: 'string', description: 'The step type, such as shell or approve; stepwise steps lists them.' },
    name: { type: 'string', description: 'Shown in progress output.' },
    description: { type: 'string', description: 'Markdown, rendered by stepwise docs.' },
    with: { type: 'object', description: 'The step type\'s input.' },
    if: expressionOr({ type: 'boolean' }, 'true, false', 'Run the step only when this is true.'),
    skipReason: { type: 'string', minLength: 1, description: 'Why the step is skipped when `if` is false, in words (such as "the system already runs Production"); shown instead of the condition. May hold `${{ }}`.' },
    forEach: expressionOr({ type: 'array' }, 'a list', 'Run the step once per item of this list, with `item` in its expressions.'),
    outputs: { type: 'object', additionalProperties: output, propertyNames: { pattern: PARAM_NAME_PATTERN }, description: 'Output name to JMESPath selector over the raw result.' },
    retry,
    timeout: expressionOr(duration, 'a duration (such as 30s, 10m or 1h30m)', 'Abort an attempt that runs longer than this (a duration, or an expression giving one).'),
    onFailure: { enum: ['abort', 'continue'], description: 'abort (default) stops the run; continue records the failure and goes on.' },
  },
};

/** Where editors find the published schema (engine/document/editor-schema.ts). */
export const RUNBOOK_SCHEMA_ID = 'https://stepwise.dev/schemas/runbook.schema.json';

/**
 * The document's schema, with the settings blocks the step families declare beside `params`,
 * and the notify channels they add to the engine's webhook.
 * Without an `$id`: ajv keeps schemas by id, and registries with other families make other schemas.
 */
export function runbookSchemaFor(blocks: readonly SettingsBlock[], channels: readonly NotifyChannel[]): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'stepwise runbook',
    type: 'object',
    additionalProperties: false,
    required: ['apiVersion', 'name', 'version', 'steps'],
    properties: {
      apiVersion: { type: 'string', description: `The document format: ${API_VERSION}.` },
      name: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', patternErrorMessage: `${NAME_RULE} (such as convert-to-production)`, description: 'The runbook\'s name, in lower case with dashes.' },
      version: { type: 'string', description: 'The runbook\'s own semantic version, recorded in every run.' },
      description: { type: 'string', description: 'Markdown, rendered by stepwise docs.' },
      requires: {
        type: 'object',
        additionalProperties: false,
        properties: { stepwise: { type: 'string', description: 'The engine versions this runbook needs, as a semver range.' } },
      },
      params: { type: 'object', additionalProperties: paramDeclarationSchema, propertyNames: { pattern: PARAM_NAME_PATTERN } },
      ...Object.fromEntries(blocks.map((block) => [block.name, block.schema])),
      notify: notifySchema(channels),
      plugins: { type: 'array', items: { type: 'string' }, description: 'ESM modules with extra step types, relative to this file.' },
      steps: { type: 'array', minItems: 1, items: stepSchema },
      outputs: { type: 'object', propertyNames: { pattern: PARAM_NAME_PATTERN }, description: 'The run\'s outputs: name to value (usually an expression).' },
    },
  };
}
