import { access } from 'node:fs/promises';
import path from 'node:path';
import { isJsonObject } from '../json.js';
import type { StepRegistry } from '../registry.js';
import { StepContractError } from '../step-contract-error.js';
import type { Report } from '../validate/report.js';
import { declareExpressionFunctions } from '../expressions/function-table.js';
import { checkFunctionsExport, checkSettingsExport } from './check-family-exports.js';
import { importPlugin } from './plugin-files.js';

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
    if (problem) report.at(['plugins', index], problem);
  }
  return extended;
}

export function pluginPath(runbookFile: string, entry: string): string {
  return path.resolve(path.dirname(path.resolve(runbookFile)), entry);
}

async function loadPlugin(file: string, entry: string, registry: StepRegistry): Promise<string | undefined> {
  try {
    await access(file);
  } catch {
    return `plugin ${entry}: no such file (${file})`;
  }
  let module: { default?: unknown; settings?: unknown; functions?: unknown };
  try {
    module = await importPlugin(file);
  } catch (error) {
    return `plugin ${entry} failed to load: ${firstLine(error)}`;
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
    if (error instanceof StepContractError) return error.message;
    throw error;
  }
  return undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
