import type { StepRegistry } from '../registry.js';
import type { JsonSchema, StepDefinition } from '../step-definition.js';
import { API_VERSION, RUNBOOK_SCHEMA_ID, runbookSchemaFor, stepSchema } from './runbook-schema.js';
import { documentedEffect, type DocumentedEffect } from '../step-effect.js';
import { inputRows } from './step-reference.js';

/**
 * runbook.schema.json for editors: the document schema, with each step's `with` checked
 * against its type's input schema (if/then on `type`, which YAML language servers follow to
 * complete and check `with:` blocks), hover text in Markdown, and a snippet per step type.
 */
export async function buildEditorSchema(registry: StepRegistry): Promise<JsonSchema> {
  const definitions = await Promise.all(registry.types().map((type) => registry.load(type)));
  const blocks = registry.settingsBlocks();
  const { $schema, ...rest } = structuredClone(runbookSchemaFor(blocks, registry.notifyChannels()));
  const document: JsonSchema = { $schema, $id: RUNBOOK_SCHEMA_ID, ...rest };
  const properties = document.properties as Record<string, JsonSchema>;
  addMarkdown(properties, { ...DOCUMENT_MARKDOWN, ...Object.fromEntries(blocks.map((block) => [block.name, block.markdown])) });
  const param = (properties.params as { additionalProperties: { properties: Record<string, JsonSchema> } }).additionalProperties;
  addMarkdown(param.properties, PARAM_MARKDOWN);
  properties.apiVersion = { ...properties.apiVersion, enum: [API_VERSION] };
  properties.version = { ...properties.version, pattern: SEMVER_PATTERN, patternErrorMessage: 'must be a semantic version such as 1.0.0' };
  properties.steps = { ...properties.steps, items: typedStep(definitions) };
  return document;
}

/** A step of any known type, with `with` checked against that type's input. */
function typedStep(definitions: StepDefinition[]): JsonSchema {
  const step = structuredClone(stepSchema);
  const properties = step.properties as Record<string, JsonSchema>;
  addMarkdown(properties, STEP_MARKDOWN);
  properties.type = {
    ...properties.type,
    anyOf: [
      ...definitions.map((definition) => ({ const: definition.type, description: definition.description, markdownDescription: typeMarkdown(definition) })),
      { type: 'string', pattern: PLUGIN_TYPE_PATTERN, description: 'A step type that one of the runbook\'s plugins adds.' },
    ],
  };
  return {
    ...step,
    defaultSnippets: definitions.map(snippet),
    allOf: definitions.map((definition) => ({
      if: { properties: { type: { const: definition.type } }, required: ['type'] },
      then: {
        ...(requiredInputs(definition.input).length > 0 ? { required: ['with'] } : {}),
        properties: {
          with: { ...allowExpressions(definition.input, false), title: `${definition.type} input`, description: definition.description, markdownDescription: typeMarkdown(definition) },
        },
      },
    })),
  };
}

const PLUGIN_TYPE_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$';

/** semver.org's own expression for a version, so that editors flag `1.0` as `validate` does. */
const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';

/** `validate` leaves any string holding `${{ }}` to run time; the editor must not flag it either. */
const EXPRESSION: JsonSchema = { type: 'string', pattern: '\\$\\{\\{', description: 'A ${{ }} expression, evaluated when the step runs.' };

const ANNOTATIONS = ['title', 'description', 'markdownDescription', 'default', 'examples'] as const;

/**
 * Lets every value of an input schema be an expression instead. Members of anyOf/oneOf are
 * widened inside but not themselves: an expression matching two members would match both.
 */
function allowExpressions(schema: JsonSchema, wrap = true): JsonSchema {
  const widened: JsonSchema = { ...schema };
  // step types write their descriptions in Markdown; editors show `description` as plain text
  if (typeof schema.description === 'string' && schema.description.includes('`') && schema.markdownDescription === undefined) widened.markdownDescription = schema.description;
  if (isSchema(schema.properties)) {
    widened.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, isSchema(property) ? allowExpressions(property) : property]));
  }
  for (const keyword of ['additionalProperties', 'items'] as const) {
    const sub = schema[keyword];
    if (isSchema(sub)) widened[keyword] = allowExpressions(sub);
  }
  for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const) {
    const members = schema[keyword];
    if (Array.isArray(members)) widened[keyword] = members.map((member: unknown) => (isSchema(member) ? allowExpressions(member, false) : member));
  }
  // An expression that resolves to null drops its key at run time, so two exclusive members
  // may both match while typing: the editor can only ask for at least one.
  if (Array.isArray(widened.oneOf)) {
    const atLeastOne = { anyOf: widened.oneOf };
    widened.allOf = Array.isArray(widened.allOf) ? [...widened.allOf, atLeastOne] : [atLeastOne];
    delete widened.oneOf;
  }
  if (!wrap || acceptsAnyString(schema)) return widened;
  const annotations = Object.fromEntries(ANNOTATIONS.filter((key) => widened[key] !== undefined).map((key) => [key, widened[key]]));
  return { ...annotations, anyOf: [widened, EXPRESSION] };
}

/** An unconstrained string already accepts an expression; wrapping it would only blur hover text. */
function acceptsAnyString(schema: JsonSchema): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (!types.includes('string')) return false;
  return ['pattern', 'format', 'enum', 'const', 'maxLength', 'anyOf', 'oneOf', 'allOf', 'not'].every((keyword) => schema[keyword] === undefined);
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredInputs(schema: JsonSchema): string[] {
  return Array.isArray(schema.required) ? (schema.required as string[]) : [];
}

const EFFECT_WORDS: Record<DocumentedEffect, string> = { read: 'reads only (runs in a dry-run)', write: 'changes things (a dry-run only shows what it would do)', interactive: 'asks the operator', input: 'reads or changes things, as its `effect` input says', runbook: 'does what the steps of the runbook it runs do' };

function typeMarkdown(definition: StepDefinition): string {
  const rows = inputRows(definition.input).map((row) => `- \`${row.name}\` (${row.type}, ${row.requirement}): ${row.description}`);
  return [`**${definition.type}**: ${EFFECT_WORDS[documentedEffect(definition)]}.`, '', definition.description, '', ...(rows.length ? ['Inputs:', '', ...rows] : ['No inputs.'])].join('\n');
}

/** What a YAML editor inserts when the author picks a step type from the snippet list. */
function snippet(definition: StepDefinition) {
  let placeholder = 1;
  const next = (hint: string) => `\${${++placeholder}:${hint}}`;
  const properties = (definition.input.properties ?? {}) as Record<string, JsonSchema>;
  const body: Record<string, unknown> = { id: `\${1:${definition.type.split('.').at(-1)}}`, type: definition.type };
  const required = requiredInputs(definition.input);
  if (required.length > 0) {
    body.with = Object.fromEntries(
      required.map((name) => {
        const type = properties[name]?.type;
        if (type === 'array') return [name, [next(name)]];
        if (type === 'object') return [name, {}];
        return [name, next(name)];
      }),
    );
  }
  return { label: `${definition.type} step`, description: definition.description, body };
}

/** Hover text in Markdown, and a plain description where the document schema has none. */
function addMarkdown(properties: Record<string, JsonSchema>, markdown: Record<string, string>): void {
  for (const [name, text] of Object.entries(markdown)) {
    const property = properties[name];
    if (property) properties[name] = { description: text.replace(/`/g, ''), ...property, markdownDescription: text };
  }
}

const DOCUMENT_MARKDOWN: Record<string, string> = {
  apiVersion: `The document format; this engine reads \`${API_VERSION}\`.`,
  name: 'The runbook\'s name, lower case with dashes, such as `delete-ion-lambdas`. `stepwise runs` lists runs by it.',
  version:
    'The runbook\'s own semantic version, such as `1.2.0`, recorded in every run (`stepwise runs`, `stepwise show`). ' +
    'Bump it whenever the procedure changes: `stepwise validate` warns when a changed runbook keeps the version its last run used.',
  description: 'Markdown: what the procedure is for, when to run it and what it changes. `stepwise docs FILE` renders it.',
  requires: 'The engine this runbook needs, as a semver range: `{ stepwise: ">=0.1.0" }`.',
  params:
    'The parameters an operator gives with `-p name=value` (or `STEPWISE_PARAM_<NAME>`). Each is a JSON Schema for its value ' +
    '(`type`, `pattern`, `enum`, ...) plus `description`, `default`, `required` and `secret`. Expressions read them as `${{ params.name }}`.',
  plugins:
    'ESM modules, relative to this file, whose default export is a step definition or a list of them: ' +
    '`{ type, description, effect, input, run }`. Their step types are checked like the built-in ones.',
  notify:
    'Where to announce that a run waits for approval, failed or succeeded: a target such as `{ webhook: "${{ params.webhookUrl }}" }`, or a list of them. ' +
    'A target names a `webhook` (a JSON POST with a `text` field) or another channel such as `sns` (a topic ARN), and optionally `on: [waiting, failed, succeeded]` and a `timeout`. ' +
    'stepwise.config.yaml may name targets for every runbook of the repository: both are told. A delivery that fails is a warning, never a failed run.',
  steps: 'The steps, run in order. Each has an `id`, a `type` and the type\'s input under `with`.',
  outputs: 'The run\'s outputs: name to value, usually one expression such as `${{ steps.read.outputs.status }}`.',
};

const PARAM_MARKDOWN: Record<string, string> = {
  minimum: 'The smallest number allowed.',
  maximum: 'The largest number allowed.',
  minLength: 'The fewest characters a string value may have.',
  maxLength: 'The most characters a string value may have.',
  minItems: 'The fewest items an array value may have.',
  secret: 'Never written to the journal, plans, logs or progress output; `stepwise resume` asks for it again through `STEPWISE_PARAM_<NAME>`.',
};

const STEP_MARKDOWN: Record<string, string> = {
  id: 'Unique within the runbook, such as `read-stack`: later steps read this step\'s outputs as `${{ steps.read-stack.outputs.NAME }}`.',
  type: 'The step type: a built-in one (`stepwise steps` lists them) or one a plugin adds.',
  with: 'The step type\'s input. Any value may be a `${{ }}` expression over `params`, `steps.<id>.outputs`, `env`, `run` and `item`.',
  if: 'Run the step only when this is true, usually one expression: `${{ !steps.compute.outputs.production }}`.',
  forEach: 'Run the step once per item of this list (usually `${{ params.databases }}`), with `item` in its expressions.',
  outputs: 'Output name to a JMESPath selector over the step\'s raw result, such as `Stacks[0].StackStatus`; `{ from, secret: true }` redacts it.',
  retry: 'Run the step again when it fails: `{ maxAttempts: 5, interval: 2s, backoffRate: 2, maxInterval: 30s, on: [exit-code] }`.',
  timeout: 'Abort an attempt that runs longer than this, such as `45m`.',
  onFailure: '`abort` (the default) stops the run when the step fails; `continue` records the failure and goes on.',
};
