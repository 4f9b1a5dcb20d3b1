#!/usr/bin/env node
// npm run schema: writes schemas/runbook.schema.json from the built step definitions (dist/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importBuilt } from './import-built.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { generateSchemaFile, writeGeneratedFiles } = await importBuilt(root, 'engine/document/generated-files.js');
const { builtInRegistry } = await importBuilt(root, 'engine/cli/builtins.js');

const done = writeGeneratedFiles(root, [await generateSchemaFile(builtInRegistry())]);
console.log(done.length > 0 ? done.join('\n') : 'schemas/runbook.schema.json is up to date');
