import { readFileSync, realpathSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What Node loads as JavaScript, whose imports are read. */
const JAVASCRIPT = /\.[cm]?js$/;
/** Imports nothing: read as it is. */
const JSON_FILE = /\.json$/;
/**
 * CommonJS loading: what `require` loads is not read here, and a module it loads may import ES
 * modules that require's cache never holds, so a file that requires goes through the hook.
 */
const REQUIRES = /\brequire\s*\(|\bcreateRequire\b/;

/**
 * The files that loading a JavaScript plugin loads as ES modules, read from their import
 * statements: the loader hook that would tell costs a thread. Each file appears as Node loads
 * it, by its real path. Undefined when only the hook can tell, or only the hook can load the
 * plugin: a file other than JavaScript and JSON (TypeScript), a specifier other than a file's
 * or Node's own module (`stepwise`, which the hook resolves, a package or a `#` import, which
 * may resolve to the plugin's own files), a computed `import()`, a `require` (CommonJS), or a
 * statement this cannot read. Files under node_modules are not followed: they are a package's, not the plugin's.
 */
export function readPluginImports(entry: string): string[] | undefined {
  const found = new Set<string>();
  const pending = [entry];
  try {
    while (pending.length > 0) {
      const file = realpathSync(pending.pop()!);
      if (!JAVASCRIPT.test(file) && !JSON_FILE.test(file)) return undefined;
      if (found.has(file)) continue;
      found.add(file);
      if (JSON_FILE.test(file) || file.split(path.sep).includes('node_modules')) continue;
      const text = readFileSync(file, 'utf8');
      if (REQUIRES.test(text)) return undefined;
      const specifiers = importSpecifiers(text);
      if (specifiers === undefined) return undefined;
      for (const specifier of specifiers) {
        if (isBuiltin(specifier)) continue;
        if (!/^(\.{0,2}\/|file:)/.test(specifier)) return undefined;
        pending.push(fileURLToPath(new URL(specifier, pathToFileURL(file))));
      }
    }
  } catch {
    // a file missing or unreadable, a file: URL of another host: for the import to report, through the hook as ever
    return undefined;
  }
  return [...found];
}

/**
 * The specifiers of a module's `import ... from`, `import '...'` and `export ... from`
 * statements, or undefined at an `import(`, or at an `import` this cannot read. The text is
 * searched whole, comments and strings included: a word `import` there that reads as no
 * statement only costs the hook, and one that reads as a statement only adds a file.
 */
export function importSpecifiers(text: string): string[] | undefined {
  const specifiers: string[] = [];
  for (const { index, 0: keyword } of text.matchAll(/(?<![\w$])(?:import|export)(?![\w$])/g)) {
    // `x.import(...)` is a method, but `{ ...import('x') }` is not
    if (text.charAt(index - 1) === '.' && text.charAt(index - 2) !== '.') continue;
    const at = skipSpaceAndComments(text, index + keyword.length);
    const next = text.charAt(at);
    if (keyword === 'export' && next !== '*' && next !== '{') continue;
    if (keyword === 'import' && next === '.') continue;
    if (keyword === 'import' && next === '(') return undefined;
    const specifier = isQuote(next) ? readString(text, at) : specifierAfterNames(text, at);
    if (specifier !== undefined) specifiers.push(specifier);
    else if (keyword === 'import' || !exportsOwnNames(text, at)) return undefined;
  }
  return specifiers;
}

/**
 * The specifier after what an import or export names (`x, { a as b, "c-d" as e }`,
 * `* as ns`) and `from`; undefined when something else comes first.
 */
function specifierAfterNames(text: string, start: number): string | undefined {
  let at = start;
  let listClosed = false;
  for (;;) {
    at = skipSpaceAndComments(text, at);
    const word = matchAt(/[\w$]+/y, text, at);
    if (word === 'from' && isQuote(text.charAt(skipSpaceAndComments(text, at + word.length)))) {
      return readString(text, skipSpaceAndComments(text, at + word.length));
    }
    if (listClosed) return undefined;
    const char = text.charAt(at);
    if (word !== undefined) {
      at += word.length;
    } else if (char === '{' || char === ',' || char === '*') {
      at += 1;
    } else if (char === '}') {
      at += 1;
      listClosed = true;
    } else if (isQuote(char) && readString(text, at) !== undefined) {
      at = text.indexOf(char, at + 1) + 1;
    } else {
      return undefined;
    }
  }
}

/** `export { a, b as c };`: names of this module, which load nothing. */
function exportsOwnNames(text: string, start: number): boolean {
  const list = matchAt(/\{[\w$\s,]*\}/y, text, start);
  return list !== undefined && !text.startsWith('from', skipSpaceAndComments(text, start + list.length));
}

function isQuote(char: string): boolean {
  return char === "'" || char === '"';
}

/** A quoted string without escapes or line breaks, as specifiers are written. */
function readString(text: string, start: number): string | undefined {
  const end = text.indexOf(text.charAt(start), start + 1);
  const value = end < 0 ? undefined : text.slice(start + 1, end);
  return value === undefined || /[\\\n]/.test(value) ? undefined : value;
}

function skipSpaceAndComments(text: string, start: number): number {
  let at = start;
  for (let skipped = matchAt(SPACE_OR_COMMENT, text, at); skipped !== undefined; skipped = matchAt(SPACE_OR_COMMENT, text, at)) at += skipped.length;
  return at;
}

const SPACE_OR_COMMENT = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\//y;

/** What a sticky pattern matches at `at`, or undefined. */
function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}
