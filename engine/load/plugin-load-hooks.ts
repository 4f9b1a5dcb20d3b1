/**
 * Module loader hooks (module.register) for plugins. They tell the thread which registered them
 * every file an ES module is loaded from, and load a TypeScript plugin without a build step:
 * its types are stripped (replaced by blanks, so that every line and column stays where the
 * author wrote it) and its type-only imports vanish. `stepwise` resolves to the running engine's
 * own public entry, so a plugin that imports `defineStep` or `StepFailure` needs nothing
 * installed beside it and meets the very classes the engine checks for.
 *
 * They run on the loader's own thread, so they talk through a port; a `flush` is answered after
 * every load reported before it, since a port keeps its order. The type stripper is imported
 * there, and only once a `.ts` file is loaded.
 *
 * The hooks are registered as a data: URL of plain JavaScript rather than as a file beside this
 * one: the loader thread cannot compile TypeScript, and the engine also runs from its sources
 * (under vitest), where no compiled sibling exists.
 */
import type { MessagePort } from 'node:worker_threads';

export interface HooksData {
  port: MessagePort;
  /** The file: URL of the type stripper's module. */
  stripper: string;
  /** The file: URL of the engine's public entry, what `import ... from 'stepwise'` loads. */
  api: string;
}

/** A TypeScript file whose types cannot be stripped; `line` counts from 1, `col` from 1. */
export interface InvalidTypeScript {
  url: string;
  line: number;
  col: number;
  message: string;
}

export type HooksMessage = { loaded: string } | { invalid: InvalidTypeScript } | { flushed: true };

const HOOKS_SOURCE = `
import { readFile } from 'node:fs/promises';
let port, stripperUrl, apiUrl, stripper;
export function initialize(data) {
  port = data.port;
  stripperUrl = data.stripper;
  apiUrl = data.api;
  port.on('message', () => port.postMessage({ flushed: true }));
}
const isTypeScript = (url) => url.startsWith('file:') && /\\.m?ts$/.test(new URL(url).pathname);
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'stepwise') return { url: apiUrl, shortCircuit: true };
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    // TypeScript under module nodenext has a module import its sibling x.ts as './x.js'
    const sibling = error?.code === 'ERR_MODULE_NOT_FOUND' && context.parentURL && isTypeScript(context.parentURL) && /^\\.\\.?\\/.*\\.js$/.test(specifier);
    if (sibling) return nextResolve(specifier.slice(0, -3) + '.ts', context);
    throw error;
  }
}
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) port?.postMessage({ loaded: url });
  if (!isTypeScript(url)) return nextLoad(url, context);
  const text = await readFile(new URL(url), 'utf8');
  stripper ??= await import(stripperUrl).then((module) => module.default ?? module);
  try {
    return { format: 'module', source: stripper.transformSync(text, { mode: 'strip-only', filename: url }).code, shortCircuit: true };
  } catch (problem) {
    const message = typeof problem?.message === 'string' ? problem.message : String(problem);
    port?.postMessage({ invalid: { url, line: problem?.startLine ?? 0, col: (problem?.startColumn ?? -1) + 1, message } });
    throw new SyntaxError(message);
  }
}
`;

export const HOOKS_URL = `data:text/javascript,${encodeURIComponent(HOOKS_SOURCE)}`;
