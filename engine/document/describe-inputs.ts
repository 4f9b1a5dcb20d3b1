import type { JsonSchema } from '../step-definition.js';

/** One line per input of a step type: name, type, required or default, description. */
export function describeInputs(schema: JsonSchema): string {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const names = Object.keys(properties);
  if (names.length === 0) return '  (no inputs)';
  const width = Math.max(...names.map((name) => name.length));
  return names
    .map((name) => {
      const property = properties[name]!;
      const flags = required.has(name) ? 'required' : property.default !== undefined ? `default ${JSON.stringify(property.default)}` : 'optional';
      return `  ${name.padEnd(width)}  ${typeName(property).padEnd(16)}  ${flags.padEnd(18)}  ${String(property.description ?? '')}`;
    })
    .join('\n');
}

export function typeName(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join('|');
  if (Array.isArray(schema.type)) return schema.type.join('|');
  if (typeof schema.type === 'string') return schema.type === 'array' && typeof (schema.items as JsonSchema | undefined)?.type === 'string' ? `${String((schema.items as JsonSchema).type)}[]` : schema.type;
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) return ((schema.anyOf ?? schema.oneOf) as JsonSchema[]).map(typeName).join('|');
  return 'any';
}
