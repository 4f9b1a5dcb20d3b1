import { buildEditorSchema } from '../document/editor-schema.js';
import { builtInRegistry } from './builtins.js';

export async function schemaCommand(): Promise<void> {
  process.stdout.write(`${JSON.stringify(await buildEditorSchema(builtInRegistry()), null, 2)}\n`);
}
