import { createRequire, register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { HOOKS_URL, type HooksData, type HooksMessage, type InvalidTypeScript } from './plugin-load-hooks.js';
import { readPluginImports } from './plugin-imports.js';

const require = createRequire(import.meta.url);
/** CommonJS modules, whichever `require` loaded them: one cache for the process. */
const requireCache = require.cache;

/** The engine's public entry (engine/index), compiled or, under the tests, from its sources. */
const API_URL = new URL(`../index${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;
/** What a plugin loads from the engine's own folder is the engine's, not the plugin's. */
const ENGINE_DIR = path.dirname(fileURLToPath(API_URL)) + path.sep;
/** The folder of stepwise's own code (dist/ once built): a built-in step type it loads as it runs is no plugin's. */
const STEPWISE_DIR = path.dirname(ENGINE_DIR.slice(0, -1)) + path.sep;

/** A TypeScript plugin file whose types cannot be stripped, located in that file. */
export class InvalidTypeScriptError extends Error {
  readonly file: string;

  constructor(readonly problem: InvalidTypeScript) {
    super(problem.message);
    this.name = 'InvalidTypeScriptError';
    this.file = fileURLToPath(problem.url);
  }
}

/** The files each plugin's import loaded, by the plugin's entry file. */
const loadedBy = new Map<string, string[]>();

let watcher: LoadWatcher | undefined;
/** One plugin import at a time, so that what is loaded meanwhile is that plugin's. */
let importing: Promise<unknown> = Promise.resolve();

/**
 * Imports a plugin and records every file Node loads for it: ES modules as their import
 * statements name them, or, when those do not tell (a computed `import()`) or the plugin needs
 * it (TypeScript, `import ... from 'stepwise'`), as a loader hook sees them, whatever their
 * specifier; and CommonJS modules as require's cache holds them, however deep the chain. The
 * hook is registered at the first plugin that needs it: it costs a thread, and every later
 * import crosses it, which a runbook without such a plugin never pays for.
 */
export function importPlugin(file: string): Promise<{ default?: unknown }> {
  const imported = importing.then(() => importRecorded(file));
  importing = imported.catch(() => undefined);
  return imported;
}

async function importRecorded(file: string): Promise<{ default?: unknown }> {
  const named = readPluginImports(file);
  return named ? importNamed(file, named) : importWatched(file);
}

/** A plugin whose import statements name every ES module it loads. */
async function importNamed(file: string, named: string[]): Promise<{ default?: unknown }> {
  const cjsBefore = new Set(Object.keys(requireCache));
  try {
    return (await import(pathToFileURL(file).href)) as { default?: unknown };
  } finally {
    const cjs = Object.keys(requireCache).filter((loaded) => !cjsBefore.has(loaded));
    if (!loadedBy.has(file)) loadedBy.set(file, [...named, ...cjs]);
  }
}

/** A plugin imported through the loader hook, which reports each ES module Node loads. */
async function importWatched(file: string): Promise<{ default?: unknown }> {
  watcher ??= LoadWatcher.start();
  const esmBefore = watcher.count;
  const cjsBefore = new Set(Object.keys(requireCache));
  const invalidBefore = watcher.invalid.length;
  try {
    return (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    await watcher.loadedSince(esmBefore);
    const invalid = watcher.invalid[invalidBefore];
    throw invalid ? new InvalidTypeScriptError(invalid) : error;
  } finally {
    const esm = await watcher.loadedSince(esmBefore);
    const cjs = Object.keys(requireCache).filter((loaded) => !cjsBefore.has(loaded));
    // a plugin two runbooks share is loaded once: the first import says what it loaded
    if (!loadedBy.has(file)) loadedBy.set(file, [...esm, ...cjs]);
  }
}

/**
 * A plugin's entry file and the files of its own that loading it loaded, in a fixed order: a
 * resume must notice a change in any of them. Packages (under node_modules) and `node:`
 * modules are not the plugin's; a file a plugin loads only once a step runs is not known yet:
 * `filesLoadedLater` tells it once it is.
 */
export function pluginFiles(entry: string): string[] {
  const own = (loadedBy.get(entry) ?? []).filter((file) => file !== entry && !file.startsWith(ENGINE_DIR) && !inPackage(file));
  return [entry, ...new Set(own.sort())];
}

/** The files `filesLoadedLater` told already. */
const toldLater = new Set<string>();

/**
 * The files loaded since plugins were imported and not told before, that no plugin's import
 * loaded: a module a step's `run()` imports only once it runs. Not a package's, nor stepwise's
 * own; none when no plugin was imported, since nothing watches loads before the first one.
 */
export async function filesLoadedLater(): Promise<string[]> {
  if (!watcher) return [];
  const loaded = [...(await watcher.loadedSince(0)), ...Object.keys(requireCache)];
  const known = new Set([...loadedBy.keys(), ...[...loadedBy.values()].flat(), ...toldLater]);
  const later = [...new Set(loaded)].filter((file) => path.isAbsolute(file) && !known.has(file) && !file.startsWith(STEPWISE_DIR) && !inPackage(file)).sort();
  for (const file of later) toldLater.add(file);
  return later;
}

function inPackage(file: string): boolean {
  return file.split(path.sep).includes('node_modules');
}

class LoadWatcher {
  private readonly loaded: string[] = [];
  readonly invalid: InvalidTypeScript[] = [];
  private readonly flushes: (() => void)[] = [];

  private constructor(private readonly port: MessagePort) {
    port.on('message', (message: HooksMessage) => {
      if ('loaded' in message) this.loaded.push(fileURLToPath(message.loaded));
      else if ('invalid' in message) this.invalid.push(message.invalid);
      else this.flushes.shift()?.();
    });
    port.unref();
  }

  static start(): LoadWatcher {
    const { port1, port2 } = new MessageChannel();
    // resolved here, loaded only on the loader's thread and only once a .ts file needs it
    const data: HooksData = { port: port2, stripper: pathToFileURL(require.resolve('@swc/wasm-typescript')).href, api: API_URL };
    register(HOOKS_URL, { data, transferList: [port2] });
    return new LoadWatcher(port1);
  }

  get count(): number {
    return this.loaded.length;
  }

  /** The files loaded since the count was `start`, once every report sent before now has arrived. */
  async loadedSince(start: number): Promise<string[]> {
    this.port.ref();
    try {
      await new Promise<void>((resolve) => {
        this.flushes.push(resolve);
        this.port.postMessage('flush');
      });
    } finally {
      if (this.flushes.length === 0) this.port.unref();
    }
    return this.loaded.slice(start);
  }
}
