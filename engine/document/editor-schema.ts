import type { StepRegistry } from '../registry.js';
import type { JsonSchema } from '../step-definition.js';
import { runbookSchema, stepSchema } from './runbook-schema.js';

/**
 * runbook.schema.json for editors: the document schema, with each step's `with` checked
 * against its type's input schema (if/then on `type`, which YAML language servers follow).
 */
export async function buildEditorSchema(registry: StepRegistry): Promise<JsonSchema> {
  const types = registry.types();
  const definitions = await Promise.all(types.map((type) => registry.load(type)));
  const stepProperties = stepSchema.properties as Record<string, JsonSchema>;
  const typedStep: JsonSchema = {
    ...stepSchema,
    properties: {
      ...stepProperties,
      type: { ...stepProperties.type, anyOf: [{ enum: types }, { type: 'string' }] },
    },
    allOf: definitions.map((definition) => ({
      if: { properties: { type: { const: definition.type } }, required: ['type'] },
      then: { properties: { with: { ...definition.input, description: definition.description } } },
    })),
  };
  const properties = runbookSchema.properties as Record<string, JsonSchema>;
  return { ...runbookSchema, properties: { ...properties, steps: { ...properties.steps, items: typedStep } } };
}
