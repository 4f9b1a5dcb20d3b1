import type { StepDefinition, JsonSchema } from '../step-definition.js';
import { documentedEffect, type DocumentedEffect } from '../step-effect.js';
import { typeName } from './describe-inputs.js';


export interface InputRow {
  name: string;
  type: string;
  /** `required`, `default <json>` or `optional`. */
  requirement: string;
  description: string;
}

export function inputRows(schema: JsonSchema): InputRow[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    type: typeName(property),
    requirement: required.has(name) ? 'required' : property.default !== undefined ? `default ${JSON.stringify(property.default)}` : 'optional',
    description: typeof property.description === 'string' ? property.description : '',
  }));
}

/** A step type's effect in words, for the README and `stepwise steps TYPE`. */
export const EFFECT_CELL: Record<DocumentedEffect, string> = {
  read: 'read',
  write: 'write',
  interactive: 'interactive',
  input: 'write, or read when the step says `effect: read`',
  runbook: 'what the steps of the runbook it runs do',
};

/** The README's reference of the built-in step types: one table of all, then each type's inputs. */
export function renderStepTypesReference(definitions: readonly StepDefinition[]): string {
  const lines = [
    'Generated from the step definitions by `npm run docs`; `stepwise steps TYPE` prints the same.',
    'A `read` step runs in a dry-run; a `write` step only shows what it would do; an `interactive` one asks the operator.',
    '',
    '| type | effect | what it does |',
    '| --- | --- | --- |',
    ...definitions.map((definition) => `| [\`${definition.type}\`](#${anchor(definition.type)}) | ${EFFECT_CELL[documentedEffect(definition)]} | ${cell(firstSentence(definition.description))} |`),
    '',
  ];
  for (const definition of definitions) {
    lines.push(`#### ${definition.type}`, '', definition.description, '');
    const rows = inputRows(definition.input);
    if (rows.length === 0) {
      lines.push('No inputs.', '');
      continue;
    }
    lines.push('| input | type | required or default | description |', '| --- | --- | --- | --- |');
    for (const row of rows) lines.push(`| \`${row.name}\` | ${cell(row.type)} | ${cell(row.requirement)} | ${cell(row.description)} |`);
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** GitHub's heading anchors: lower case, punctuation other than dashes dropped. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1);
}

/** Text safe inside a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
