// Compiles the runbook schema, every built-in step type's input schema, the params of the shipped
// runbooks, the input schemas of their plugins' step types and the JSON Schema meta-schema ahead
// of time (ajv standalone code), so that
// `stepwise validate` and `run` spend their start-up neither compiling them nor loading ajv's
// compiler. One module: loading one file of 500 kB costs less than finding and loading many.
// Run after tsc: it reads the schemas from dist/.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { parse } from 'yaml';
import { importBuilt } from './import-built.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { paramDeclarationSchema, runbookSchemaFor } = await importBuilt(root, 'engine/document/runbook-schema.js');
const { builtInSettingsBlocks, builtInNotifyChannels } = await importBuilt(root, 'engine/cli/builtins.js');
const { createAjv } = await importBuilt(root, 'engine/validate/ajv.js');
const { builtInSteps } = await importBuilt(root, 'steps/catalog.js');
const { paramSchema } = await importBuilt(root, 'engine/params/param-schema.js');

const shippedRunbooks = readdirSync(path.join(root, 'runbooks'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => ({ file: path.join(root, 'runbooks', file), document: parse(readFileSync(path.join(root, 'runbooks', file), 'utf8')) ?? {} }));
const documentSchemas = { runbook: runbookSchemaFor(builtInSettingsBlocks(), builtInNotifyChannels()), paramDeclaration: paramDeclarationSchema, ...shippedParamSchemas() };
const stepSchemas = {};
for (const [type, load] of Object.entries(builtInSteps)) stepSchemas[`step_${type.replace(/\W/g, '_')}`] = (await load()).default.input;
Object.assign(stepSchemas, await shippedPluginSchemas());

/** Each distinct schema of a param of runbooks/: most are as plain as `{ type: string }`. */
function shippedParamSchemas() {
  const schemas = new Map();
  for (const { document } of shippedRunbooks) {
    for (const spec of Object.values(document.params ?? {})) {
      if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) schemas.set(JSON.stringify(paramSchema(spec)), paramSchema(spec));
    }
  }
  return Object.fromEntries([...schemas.values()].map((schema, index) => [`param_${index}`, schema]));
}

/** The input schema of each step type of the shipped runbooks' plugins, under its type. */
async function shippedPluginSchemas() {
  const plugins = new Set(shippedRunbooks.flatMap(({ file, document }) => (document.plugins ?? []).map((entry) => path.resolve(path.dirname(file), entry))));
  const schemas = {};
  for (const plugin of plugins) {
    const exported = (await import(pathToFileURL(plugin).href)).default ?? [];
    for (const definition of Array.isArray(exported) ? exported : [exported]) schemas[`plugin_${definition.type.replace(/\W/g, '_')}`] = definition.input;
  }
  return schemas;
}

// validation leaves a document as written; a step's input at run time gets its schema's
// defaults, which takes an ajv of its own: each mode is its own standalone module
function standaloneModule({ useDefaults, schemas, extraExports = {} }) {
  const ajv = createAjv({ useDefaults, code: { source: true } });
  for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, name);
  const exports = { ...Object.fromEntries(Object.keys(schemas).map((name) => [name, name])), ...extraExports };
  return standaloneCode(ajv, exports);
}

// checks the input schemas of plugins' step types
const META_SCHEMA_ID = 'https://json-schema.org/draft/2020-12/schema';
const asWritten = standaloneModule({ useDefaults: false, schemas: { ...documentSchemas, ...stepSchemas }, extraExports: { metaSchema: META_SCHEMA_ID } });
const withDefaults = standaloneModule({ useDefaults: true, schemas: stepSchemas });
const sources = [
  ...Object.entries({ ...documentSchemas, ...stepSchemas }).map(([name, schema]) => [name, JSON.stringify(schema), false]),
  ...Object.keys(stepSchemas).map((name) => [`${name}_withDefaults`, JSON.stringify(stepSchemas[name]), true]),
];
const code = [
  asWritten,
  `const withDefaults = (() => { const module = { exports: {} }; const exports = module.exports; ${withDefaults}\n return module.exports; })();`,
  ...Object.keys(stepSchemas).map((name) => `exports.${name}_withDefaults = withDefaults.${name};`),
  `exports.sources = ${JSON.stringify(sources)};`,
  '',
].join('\n');
writeFileSync(path.join(root, 'dist', 'engine', 'validate', 'precompiled-validators.cjs'), code);
