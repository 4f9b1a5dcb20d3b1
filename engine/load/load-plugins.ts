import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isJsonObject } from '../json.js';
import type { StepRegistry } from '../registry.js';
import { StepContractError } from '../step-contract-error.js';
import type { Report } from '../validate/report.js';
import { declareExpressionFunctions } from '../expressions/function-table.js';
import { checkFunctionsExport, checkSettingsExport } from './check-family-exports.js';
import { importPlugin, InvalidTypeScriptError, pluginFiles } from './plugin-files.js';
import { keyInEnclosingObject } from './key-in-source.js';

/** A problem located in a plugin's own TypeScript source rather than in the runbook. */
interface InSource {
  file: string;
  line: number;
  col: number;
  message: string;
}

/**
 * The step types a runbook's `plugins:` add, in a registry of its own so that one runbook's
 * plugins never leak into another's. Each problem is located at the plugin's entry, or, for a
 * TypeScript plugin, where its source is at fault when that is known: its author edits that
 * file, and its lines are the ones loaded.
 */
export async function loadPlugins(document: unknown, runbookFile: string, registry: StepRegistry, report: Report): Promise<StepRegistry> {
  if (!isJsonObject(document) || !Array.isArray(document.plugins) || document.plugins.length === 0) return registry;
  const extended = registry.extend();
  for (const [index, entry] of document.plugins.entries()) {
    if (typeof entry !== 'string') continue;
    const file = pluginPath(runbookFile, entry);
    const problem = await loadPlugin(file, entry, extended);
    if (typeof problem === 'string') report.at(['plugins', index], 'plugin-load', problem);
    else if (problem) report.inFile(shownPath(problem.file, runbookFile), problem.line, problem.col, 'plugin-load', problem.message);
  }
  return extended;
}

export function pluginPath(runbookFile: string, entry: string): string {
  return path.resolve(path.dirname(path.resolve(runbookFile)), entry);
}

async function loadPlugin(file: string, entry: string, registry: StepRegistry): Promise<string | InSource | undefined> {
  try {
    await access(file);
  } catch {
    return `plugin ${entry}: no such file (${file})`;
  }
  let module: { default?: unknown; settings?: unknown; functions?: unknown };
  try {
    module = await importPlugin(file);
  } catch (error) {
    if (error instanceof InvalidTypeScriptError) {
      return { file: error.file, line: error.problem.line, col: error.problem.col, message: `plugin ${entry}: ${explainStripping(error.message)}` };
    }
    const message = `plugin ${entry} failed to load: ${firstLine(error)}`;
    const thrownAt = isTypeScript(file) ? typeScriptFrame(error, pluginFiles(file)) : undefined;
    return thrownAt ? { ...thrownAt, message } : message;
  }
  const origin = `plugin ${entry}`;
  const exported = module.default;
  const declaresMore = module.settings !== undefined || module.functions !== undefined;
  const definitions = exported === undefined && declaresMore ? [] : Array.isArray(exported) ? exported : [exported];
  if (definitions.length === 0 && !declaresMore) return `plugin ${entry} exports an empty list; export a step definition or a list of them`;
  try {
    registry.addDefinitions(definitions, origin);
    // as a step family declares them (engine/step-family.ts)
    registry.addSettingsBlocks(checkSettingsExport(module.settings, origin), origin);
    declareExpressionFunctions(checkFunctionsExport(module.functions, origin), file, origin);
  } catch (error) {
    if (!(error instanceof StepContractError)) throw error;
    const definedAt = isTypeScript(file) && error.stepType !== undefined ? definitionInSource(error.stepType, error.field, pluginFiles(file)) : undefined;
    return definedAt ? { ...definedAt, message: error.message } : error.message;
  }
  return undefined;
}

function explainStripping(message: string): string {
  if (!/not supported in strip-only mode/.test(message)) return message;
  return `${message.replace(/ in strip-only mode$/, '')}: stepwise loads a .ts plugin by stripping its types, so it takes no enum, namespace or constructor parameter property (use a union of strings, a module, a plain field)`;
}

/**
 * Where a TypeScript plugin threw while it loaded: its types were stripped in place, so the
 * stack's line and column are the source's. Only the plugin's own files count, not a package's.
 */
function typeScriptFrame(error: unknown, own: string[]): Omit<InSource, 'message'> | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  for (const [, url, line, col] of stack.matchAll(/(file:\/\/\S+?\.m?ts):(\d+):(\d+)/g)) {
    const file = fileURLToPath(url!);
    if (own.includes(file)) return { file, line: Number(line), col: Number(col) };
  }
  return undefined;
}

function isTypeScript(file: string): boolean {
  return /\.m?ts$/.test(file);
}

/**
 * Where a TypeScript plugin defines a step type: its `type` written once, as a string, in the
 * plugin's own files; for a problem with one key of the definition (`field`), that key, where
 * the object that holds the type writes it. A name written more than once, or built, leaves the
 * problem at the entry; a key not written there (spread from elsewhere) leaves it at the type.
 */
function definitionInSource(stepType: string, field: string | undefined, own: string[]): Omit<InSource, 'message'> | undefined {
  const literal = new RegExp(`(['"\`])${stepType.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`, 'g');
  const found = own.filter(isTypeScript).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(literal)].map((match) => ({ file, text, offset: match.index }));
  });
  if (found.length !== 1) return undefined;
  const { file, text, offset } = found[0]!;
  const key = field === undefined ? undefined : keyInEnclosingObject(text, offset, field);
  return { file, ...lineAndColumn(text, key ?? offset) };
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
}

/** A plugin's file named the way the runbook's own path is written (relative stays relative). */
function shownPath(file: string, runbookFile: string): string {
  return path.join(path.dirname(runbookFile), path.relative(path.dirname(path.resolve(runbookFile)), file));
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
