import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A plugin's entry file and the files of its own that it imports, followed from file to file,
 * in a fixed order: a resume must notice a change in any of them. Packages and `node:` modules
 * are not the plugin's, and an `import()` of a computed name cannot be followed.
 */
export async function pluginFiles(entry: string): Promise<string[]> {
  // loaded here, for runbooks that have plugins: it compiles a WebAssembly module as it loads
  const { init, parse } = await import('es-module-lexer');
  await init;
  const found: string[] = [];
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.shift()!;
    if (found.includes(file)) continue;
    found.push(file);
    for (const specifier of relativeImports(file, parse)) pending.push(path.resolve(path.dirname(file), specifier));
  }
  return found;
}

function relativeImports(file: string, parse: typeof import('es-module-lexer').parse): string[] {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return []; // a missing entry is refused when the plugin loads, and hashing it says so
  }
  try {
    const [imports] = parse(source, file);
    return imports.map((imported) => imported.n).filter((specifier): specifier is string => specifier !== undefined && /^\.\.?\//.test(specifier)).sort();
  } catch {
    return []; // a syntax error is refused when the plugin loads
  }
}
