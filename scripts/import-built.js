// The generators run the compiled engine, so that they document exactly what `stepwise` runs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export async function importBuilt(root, module) {
  const file = path.join(root, 'dist', module);
  if (!existsSync(file)) {
    console.error(`${path.relative(root, file)} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
  return import(pathToFileURL(file).href);
}
