// Compiles the runbook schema and every built-in step type's input schema ahead of time (ajv
// standalone code), and the JSON Schema meta-schema, so that `stepwise validate` does not spend its start-up compiling them.
// Run after tsc: it reads the schemas from dist/.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { importBuilt } from './import-built.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { paramDeclarationSchema, runbookSchema } = await importBuilt(root, 'engine/document/runbook-schema.js');
const { createAjv } = await importBuilt(root, 'engine/validate/ajv.js');
const { builtInSteps } = await importBuilt(root, 'steps/catalog.js');

const schemas = { runbook: runbookSchema, paramDeclaration: paramDeclarationSchema };
for (const [type, load] of Object.entries(builtInSteps)) schemas[`step_${type.replace(/\W/g, '_')}`] = (await load()).default.input;

const ajv = createAjv({ code: { source: true } });
for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, name);
// checks the input schemas of plugins' step types
const META_SCHEMA_ID = 'https://json-schema.org/draft/2020-12/schema';
const exports = { ...Object.fromEntries(Object.keys(schemas).map((name) => [name, name])), metaSchema: META_SCHEMA_ID };
const sources = Object.entries(schemas).map(([name, schema]) => [name, JSON.stringify(schema)]);
const code = `${standaloneCode(ajv, exports)}\nexports.sources = ${JSON.stringify(sources)};\n`;
writeFileSync(path.join(root, 'dist', 'engine', 'validate', 'precompiled-validators.cjs'), code);
