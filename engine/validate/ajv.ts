import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { JsonSchema } from '../step-definition.js';

const instances = new Map<boolean, Ajv2020>();

/**
 * One ajv per mode for the process. Validation leaves the document as written; a step's
 * input at run time gets the defaults its schema declares. Each schema validates a handful of
 * values per process, so compiling fast matters and optimizing the generated code does not:
 * without the optimizer, compiling the runbook schema takes about a third less time.
 */
export function getAjv(useDefaults = false): Ajv2020 {
  let ajv = instances.get(useDefaults);
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, useDefaults, code: { optimize: false } });
    (addFormats as unknown as (instance: Ajv2020) => void)(ajv);
    instances.set(useDefaults, ajv);
  }
  return ajv;
}

const compiled = new Map<boolean, WeakMap<JsonSchema, ValidateFunction>>([
  [false, new WeakMap()],
  [true, new WeakMap()],
]);

/** Compiling is the expensive part, so a schema object is compiled once per mode. */
export function compileSchema(schema: JsonSchema, options: { useDefaults?: boolean } = {}): ValidateFunction {
  const useDefaults = options.useDefaults ?? false;
  const cache = compiled.get(useDefaults)!;
  let validate = cache.get(schema);
  if (!validate) {
    validate = getAjv(useDefaults).compile(schema);
    cache.set(schema, validate);
  }
  return validate;
}

export type { ErrorObject };
