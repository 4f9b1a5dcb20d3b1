import { access } from 'node:fs/promises';
import path from 'node:path';
import { isJsonObject } from '../json.js';
import type { StepRegistry } from '../registry.js';
import { StepContractError } from '../step-contract-error.js';
import type { Report } from '../validate/report.js';
import { importPlugin, InvalidTypeScriptError } from './plugin-files.js';

/**
 * The step types a runbook's `plugins:` add, in a registry of its own so that one runbook's
 * plugins never leak into another's. Each problem is located at the plugin's entry.
 */
export async function loadPlugins(document: unknown, runbookFile: string, registry: StepRegistry, report: Report): Promise<StepRegistry> {
  if (!isJsonObject(document) || !Array.isArray(document.plugins) || document.plugins.length === 0) return registry;
  const extended = registry.extend();
  for (const [index, entry] of document.plugins.entries()) {
    if (typeof entry !== 'string') continue;
    const file = pluginPath(runbookFile, entry);
    const problem = await loadPlugin(file, entry, extended);
    if (problem instanceof InvalidTypeScriptError) reportInvalidTypeScript(problem, runbookFile, entry, report);
    else if (problem) report.at(['plugins', index], problem);
  }
  return extended;
}

export function pluginPath(runbookFile: string, entry: string): string {
  return path.resolve(path.dirname(path.resolve(runbookFile)), entry);
}

async function loadPlugin(file: string, entry: string, registry: StepRegistry): Promise<string | InvalidTypeScriptError | undefined> {
  try {
    await access(file);
  } catch {
    return `plugin ${entry}: no such file (${file})`;
  }
  let module: { default?: unknown };
  try {
    module = await importPlugin(file);
  } catch (error) {
    if (error instanceof InvalidTypeScriptError) return error;
    return `plugin ${entry} failed to load: ${firstLine(error)}`;
  }
  const exported = module.default;
  const definitions = Array.isArray(exported) ? exported : [exported];
  if (definitions.length === 0) return `plugin ${entry} exports an empty list; export a step definition or a list of them`;
  try {
    registry.addDefinitions(definitions, `plugin ${entry}`);
  } catch (error) {
    if (error instanceof StepContractError) return error.message;
    throw error;
  }
  return undefined;
}

/**
 * Where the TypeScript cannot be read, in the plugin's file (or a file it imports), named the
 * way the runbook's own path is written.
 */
function reportInvalidTypeScript(error: InvalidTypeScriptError, runbookFile: string, entry: string, report: Report): void {
  const shown = path.join(path.dirname(runbookFile), path.relative(path.dirname(path.resolve(runbookFile)), error.file));
  const unsupported = /not supported in strip-only mode/.test(error.message)
    ? `${error.message.replace(/ in strip-only mode$/, '')}: stepwise loads a .ts plugin by stripping its types, so it takes no enum, namespace or constructor parameter property (use a union of strings, a module, a plain field)`
    : error.message;
  report.inFile(shown, error.problem.line, error.problem.col, `plugin ${entry}: ${unsupported}`);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
