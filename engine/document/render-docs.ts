import path from 'node:path';
import { Document, isScalar, isSeq, visit } from 'yaml';
import { compileExpression } from '../expressions/compile-expression.js';
import { findReferences } from '../expressions/references.js';
import { hasExpression, parseTemplate } from '../expressions/template.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../json.js';
import { paramEnvName } from '../params/resolve-params.js';
import type { StepRegistry } from '../registry.js';
import { includedRunbooks, type Effect } from '../step-definition.js';
import { effectOfStep } from '../step-effect.js';
import { validateRunbookFile } from '../validate/validate-runbook.js';
import type { Runbook, StepSpec } from './runbook.js';
import { cell } from './step-reference.js';

export interface DocsOptions {
  /** The runbook file: sub-runbooks are read relative to it, to name and link their pages. */
  file?: string;
  /** How the page names the file, such as its path in the repository. */
  displayPath?: string;
}

/**
 * A runbook as a Markdown page: what it is for, what it takes, each step with what it reads
 * and whether it changes anything, and what it returns. Pages of runbooks that run each
 * other are meant to sit side by side, as `<name>.md`.
 */
export async function renderRunbookDocs(runbook: Runbook, registry: StepRegistry, options: DocsOptions = {}): Promise<string> {
  const lines = [`# ${runbook.name}`, '', summaryLine(runbook, options), ''];
  if (runbook.description) lines.push(runbook.description.trim(), '');
  const shown = options.displayPath ?? options.file;
  if (shown) lines.push(...howToRun(runbook, shown), '');
  lines.push(...renderParams(runbook), '');
  if (runbook.plugins?.length) lines.push(...renderPlugins(runbook, registry), '');
  lines.push('## Steps', '');
  for (const [index, step] of runbook.steps.entries()) lines.push(...(await renderStep(index + 1, step, registry, options)), '');
  if (runbook.outputs && Object.keys(runbook.outputs).length > 0) lines.push(...renderOutputs(runbook), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

export function pageName(runbookName: string): string {
  return `${runbookName}.md`;
}

function summaryLine(runbook: Runbook, options: DocsOptions): string {
  const parts = [`Version \`${runbook.version}\``];
  if (runbook.requires?.stepwise) parts.push(`requires stepwise \`${runbook.requires.stepwise}\``);
  const shown = options.displayPath ?? options.file;
  if (shown) parts.push(`file \`${shown}\``);
  return `${parts.join(' · ')}.`;
}

/** Secret params come from the environment: a value on the command line would land in shell history. */
function howToRun(runbook: Runbook, file: string): string[] {
  const needed = Object.entries(runbook.params ?? {}).filter(([, spec]) => spec.required ?? spec.default === undefined);
  const secrets = needed.filter(([, spec]) => spec.secret).map(([name]) => `${paramEnvName(name)}=... `).join('');
  const params = needed.filter(([, spec]) => !spec.secret).map(([name]) => ` -p ${name}=...`).join('');
  return ['```sh', `${secrets}stepwise plan ${file}${params}   # what it would change, changing nothing`, `${secrets}stepwise run ${file}${params}`, '```'];
}

function sentence(text: string): string {
  return text === '' || /[.!?:]$/.test(text) ? text : `${text}.`;
}

function renderParams(runbook: Runbook): string[] {
  const params = Object.entries(runbook.params ?? {});
  if (params.length === 0) return ['## Parameters', '', 'None.'];
  const lines = ['## Parameters', '', '| name | type | required | default | description |', '| --- | --- | --- | --- | --- |'];
  for (const [name, spec] of params) {
    const required = spec.required ?? spec.default === undefined;
    const defaultText = spec.default === undefined ? '' : `\`${cell(JSON.stringify(spec.default))}\``;
    const rules = [spec.pattern === undefined ? '' : `Must match \`${cell(String(spec.pattern))}\`.`, Array.isArray(spec.enum) ? `One of ${spec.enum.map((value) => `\`${cell(JSON.stringify(value))}\``).join(', ')}.` : ''].filter(Boolean);
    const description = [sentence(cell(spec.description ?? '')), ...rules].filter(Boolean).join(' ');
    lines.push(`| \`${name}\` | ${spec.type ?? 'string'}${spec.secret ? ' (secret)' : ''} | ${required ? 'yes' : 'no'} | ${defaultText} | ${description} |`);
  }
  return lines;
}

function renderPlugins(runbook: Runbook, registry: StepRegistry): string[] {
  const lines = ['## Plugins', '', 'Step types this runbook adds, from modules beside it:', ''];
  for (const plugin of runbook.plugins ?? []) {
    const types = registry.types().filter((type) => registry.origin(type) === `plugin ${plugin}`);
    lines.push(`- \`${plugin}\`: ${types.length ? types.map((type) => `\`${type}\``).join(', ') : 'no step types'}`);
  }
  return lines;
}

async function renderStep(number: number, step: StepSpec, registry: StepRegistry, options: DocsOptions): Promise<string[]> {
  const definition = registry.has(step.type) ? await registry.load(step.type) : undefined;
  const child = definition?.includes ? await describeChildren(includedRunbooks(definition, step.with).map((included) => included.path), registry, options) : undefined;
  const effect = child?.effect ?? (definition ? effectText(effectOfStep(definition, step.with)) : 'unknown step type');
  const lines = [`### ${number}. ${step.name ?? step.id}`, '', `\`${step.id}\` · \`${step.type}\` · ${effect}`, ''];
  if (step.description) lines.push(step.description.trim(), '');
  if (child) lines.push(child.text, '');
  if (step.with && Object.keys(step.with).length > 0) lines.push('```yaml', inputYaml(step.with), '```', '');
  const facts = [
    ...needsOf(step),
    step.if === undefined ? '' : `Runs only if \`${cell(String(step.if))}\`${step.skipReason ? `; otherwise skipped: ${cell(step.skipReason)}` : ''}.`,
    step.forEach === undefined ? '' : `Runs once for each item of \`${cell(typeof step.forEach === 'string' ? step.forEach : JSON.stringify(step.forEach))}\`.`,
    step.retry ? `Tries up to ${step.retry.maxAttempts} times${step.retry.interval ? `, waiting ${step.retry.interval} at first` : ''}${step.retry.on ? ` (on ${step.retry.on.map((code) => `\`${code}\``).join(', ')})` : ''}.` : '',
    step.timeout ? `Each attempt times out after ${step.timeout}.` : '',
    step.onFailure === 'continue' ? 'When it fails, the run goes on.' : '',
    step.outputs && Object.keys(step.outputs).length > 0 ? `Outputs: ${Object.keys(step.outputs).map((name) => `\`${name}\``).join(', ')}.` : '',
  ].filter(Boolean);
  lines.push(...facts.map((fact) => `- ${fact}`));
  return lines;
}

function effectText(effect: Effect): string {
  if (effect === 'read') return 'reads only';
  if (effect === 'write') return '**changes things**';
  return 'asks the operator';
}

/** A sub-runbook step is what its own steps are: it changes things when one of them does. */
async function describeChildren(files: string[], registry: StepRegistry, options: DocsOptions): Promise<{ text: string; effect: string } | undefined> {
  if (files.length === 0) return undefined;
  const described = await Promise.all(files.map((file) => describeChild(file, registry, options)));
  const effect = described.some((child) => child.changes === undefined) ? 'runs another runbook' : described.some((child) => child.changes) ? 'runs another runbook, which **changes things**' : 'runs another runbook, which reads only';
  return { effect, text: described.map((child) => child.text).join('\n') };
}

async function describeChild(file: string, registry: StepRegistry, options: DocsOptions): Promise<{ text: string; changes: boolean | undefined }> {
  const child = hasExpression(file) || !options.file ? undefined : await readChild(path.resolve(path.dirname(path.resolve(options.file)), file), registry);
  if (!child) return { text: `Runs the runbook \`${file}\`, step by step.`, changes: undefined };
  const { name } = child.runbook;
  return {
    text: `Runs the runbook [${name}](${pageName(name)}) (\`${file}\`), step by step: its steps appear as \`<this step>/<its step>\` in progress, plans and the journal.`,
    changes: child.changes,
  };
}

/** A runbook that a step runs, and whether running it changes things (undefined: cannot tell). */
async function readChild(file: string, registry: StepRegistry): Promise<{ runbook: Runbook; changes: boolean | undefined } | undefined> {
  const validation = await validateRunbookFile(file, registry.base());
  if (!validation.ok) return undefined;
  return { runbook: validation.runbook, changes: await anyStepChanges(validation.runbook, validation.registry, file) };
}

/** Validation has refused cycles, so following sub-runbooks down always ends. */
async function anyStepChanges(runbook: Runbook, registry: StepRegistry, file: string): Promise<boolean | undefined> {
  let unsure = false;
  for (const step of runbook.steps) {
    const definition = await registry.load(step.type);
    if (!definition.includes) {
      if (effectOfStep(definition, step.with) === 'write') return true;
      continue;
    }
    for (const { path: included } of includedRunbooks(definition, step.with)) {
      const child = hasExpression(included) ? undefined : await readChild(path.resolve(path.dirname(file), included), registry);
      if (child?.changes) return true;
      if (child?.changes === undefined) unsure = true;
    }
  }
  return unsure ? undefined : false;
}

function renderOutputs(runbook: Runbook): string[] {
  const lines = ['## Outputs', '', '| name | value |', '| --- | --- |'];
  for (const [name, value] of Object.entries(runbook.outputs ?? {})) lines.push(`| \`${name}\` | \`${cell(typeof value === 'string' ? value : JSON.stringify(value))}\` |`);
  return lines;
}

/** The params and earlier steps a step reads, from the expressions in its input and conditions. */
function needsOf(step: StepSpec): string[] {
  const params = new Set<string>();
  const steps = new Set<string>();
  let environment = false;
  const collect = (value: JsonValue): void => {
    if (typeof value === 'string' && hasExpression(value)) {
      for (const part of parseTemplate(value)) {
        if (!('expression' in part)) continue;
        const refs = findReferences(compileExpression(part.expression));
        refs.params.forEach((name) => params.add(name));
        refs.steps.forEach((id) => steps.add(id));
        if (refs.roots.has('env')) environment = true;
      }
    } else if (Array.isArray(value)) value.forEach(collect);
    else if (isJsonObject(value)) Object.values(value).forEach(collect);
  };
  collect([step.with ?? null, step.if ?? null, step.forEach ?? null] as JsonValue);
  const needs = [
    ...[...params].sort().map((name) => `param \`${name}\``),
    ...[...steps].sort().map((id) => `step \`${id}\``),
    ...(environment ? ['the environment'] : []),
  ];
  return needs.length ? [`Needs ${needs.join(', ')}.`] : [];
}

/** The step's input as the author would write it: short lists of plain values on one line. */
function inputYaml(input: JsonObject): string {
  const document = new Document({ with: input });
  visit(document, {
    Seq(_key, node) {
      if (isSeq(node) && node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return document.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd();
}
