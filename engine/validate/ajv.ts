import type { Ajv2020, ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import type { JsonSchema } from '../step-definition.js';

const requireCommonJs = createRequire(import.meta.url);

/** Written by scripts/precompile-validators.js after tsc; a build made by tsc alone has none. */
const PRECOMPILED_MODULE = './precompiled-validators.cjs';

const instances = new Map<boolean, Ajv2020>();

/**
 * One ajv per mode for the process. Validation leaves the document as written; a step's
 * input at run time gets the defaults its schema declares. Each schema validates a handful of
 * values per process, so compiling fast matters and optimizing the generated code does not:
 * without the optimizer, compiling the runbook schema takes about a third less time.
 */
function getAjv(useDefaults = false): Ajv2020 {
  let ajv = instances.get(useDefaults);
  if (!ajv) {
    ajv = createAjv({ useDefaults });
    instances.set(useDefaults, ajv);
  }
  return ajv;
}

/** The ajv every validator is compiled with, at run time or ahead of it; `code` adds to its code options. */
export function createAjv({ useDefaults = false, code = {} }: { useDefaults?: boolean; code?: Options['code'] } = {}): Ajv2020 {
  // loaded here, not on import: loading ajv's compiler costs 20 ms, which a runbook whose
  // schemas were all compiled at build time never needs
  const { Ajv2020: Ajv } = requireCommonJs('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = requireCommonJs('ajv-formats') as { default: (instance: Ajv2020) => void };
  // no validateSchema: ajv would check every schema against the meta-schema, compiling that
  // first, and the schemas it gets are checked already (plugins' in checkDefinition, the built-ins' by a test)
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, useDefaults, validateSchema: false, code: { optimize: false, ...code } });
  addFormats.default(ajv);
  return ajv;
}

const compiled = new Map<boolean, WeakMap<JsonSchema, ValidateFunction>>([
  [false, new WeakMap()],
  [true, new WeakMap()],
]);

/**
 * Params declare their schema inline, so each runbook builds a new object for the same
 * `{ type: string }`: schemas equal in content share one compiled validator.
 */
const compiledByContent = new Map<boolean, Map<string, ValidateFunction>>([
  [false, new Map()],
  [true, new Map()],
]);

/** Compiling is the expensive part, so a schema is compiled once per mode and content. */
export function compileSchema(schema: JsonSchema, options: { useDefaults?: boolean } = {}): ValidateFunction {
  const useDefaults = options.useDefaults ?? false;
  const byObject = compiled.get(useDefaults)!;
  let validate = byObject.get(schema);
  if (!validate) {
    const byContent = withPrecompiled(compiledByContent).get(useDefaults)!;
    const content = JSON.stringify(schema);
    validate = byContent.get(content);
    if (!validate) {
      validate = getAjv(useDefaults).compile(schema);
      byContent.set(content, validate);
    }
    byObject.set(schema, validate);
  }
  return validate;
}

/** Validators by export name, `metaSchema` among them. */
type PrecompiledModule = { [name: string]: unknown } & {
  /** Each precompiled schema validator's export name, the JSON of the schema it was made from, and its mode. */
  sources: [name: string, schemaJson: string, useDefaults: boolean][];
  metaSchema: ValidateFunction;
};

let precompiled: PrecompiledModule | null | undefined;

function loadPrecompiled(): PrecompiledModule | null {
  if (precompiled !== undefined) return precompiled;
  try {
    precompiled = requireCommonJs(PRECOMPILED_MODULE) as PrecompiledModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    precompiled = null;
  }
  return precompiled;
}

let precompiledAdded = false;

/**
 * The built-in schemas compiled at build time, each under the JSON of the schema it was made
 * from: a schema edited since the build no longer matches and is compiled here instead.
 */
function withPrecompiled(byMode: Map<boolean, Map<string, ValidateFunction>>): Map<boolean, Map<string, ValidateFunction>> {
  if (precompiledAdded) return byMode;
  precompiledAdded = true;
  const module = loadPrecompiled();
  for (const [name, schemaJson, useDefaults] of module?.sources ?? []) byMode.get(useDefaults)!.set(schemaJson, module![name] as ValidateFunction);
  return byMode;
}

/**
 * Why a schema is not a valid JSON Schema 2020-12 document, or undefined when it is. The
 * meta-schema's validator is precompiled too: compiling it costs 30 ms of a start.
 */
export function schemaDocumentErrors(schema: JsonSchema): string | undefined {
  const metaSchema = loadPrecompiled()?.metaSchema;
  if (metaSchema) return metaSchema(schema) ? undefined : getAjv().errorsText(metaSchema.errors);
  const ajv = getAjv();
  return ajv.validateSchema(schema) ? undefined : ajv.errorsText(ajv.errors);
}

export type { ErrorObject };
