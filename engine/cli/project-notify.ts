import { UsageError } from '../exit-codes.js';
import { compileExpression, ExpressionSyntaxError } from '../expressions/compile-expression.js';
import { findReferences } from '../expressions/references.js';
import { parseTemplate, TemplateError } from '../expressions/template.js';
import { isJsonObject, type JsonValue } from '../json.js';
import { notifySchema } from '../notify/notify-schema.js';
import { notifyTargets, type NotifyTarget } from '../notify/notify-targets.js';
import type { NotifyChannel } from '../step-family.js';
import { compileSchema } from '../validate/ajv.js';
import { describePath } from '../validate/describe-path.js';
import { actionableErrors, describeSchemaError } from '../validate/describe-schema-error.js';
import type { ProjectConfig } from './project-config.js';

type Path = (string | number)[];

/** What a repository-wide target may read: it serves every runbook, whose params differ. */
const READABLE = ['env', 'run'];

/**
 * The targets of stepwise.config.yaml's `notify:`, checked like a runbook's (the same schema)
 * and refused with every problem located, before a run starts.
 */
export function projectNotifyTargets(config: ProjectConfig, channels: readonly NotifyChannel[]): NotifyTarget[] {
  if (!config.notify) return [];
  const { value, where } = config.notify;
  const problems: string[] = [];
  const validate = compileSchema(notifySchema(channels));
  if (!validate(value)) {
    for (const error of actionableErrors(validate.errors ?? [])) {
      const problem = describeSchemaError(error, (at) => describePath(['notify', ...at], value));
      problems.push(`${where(problem.path, problem.atKey)}: ${problem.message}`);
    }
  }
  forEachString(value, [], (text, at) => {
    const wrong = expressionProblem(text);
    if (wrong) problems.push(`${where(at)}: ${wrong}`);
  });
  if (problems.length > 0) throw new UsageError(`${config.file}: "notify" is not valid:`, problems);
  return notifyTargets(value, channels, config.file);
}

function forEachString(value: JsonValue, at: Path, visit: (text: string, at: Path) => void): void {
  if (typeof value === 'string') visit(value, at);
  else if (Array.isArray(value)) value.forEach((item, index) => forEachString(item, [...at, index], visit));
  else if (isJsonObject(value)) for (const [key, item] of Object.entries(value)) forEachString(item, [...at, key], visit);
}

function expressionProblem(text: string): string | undefined {
  try {
    for (const part of parseTemplate(text)) {
      if (!('expression' in part)) continue;
      const roots = [...findReferences(compileExpression(part.expression)).roots];
      const unreadable = roots.filter((root) => !READABLE.includes(root));
      if (unreadable.length > 0) return `in \${{ ${part.expression.trim()} }}: the repository's notify serves every runbook, so it may read ${READABLE.join(' and ')} (such as \${{ env.OPS_WEBHOOK }}), not ${unreadable.join(', ')}; a runbook's own notify: may read its params`;
    }
  } catch (error) {
    if (error instanceof TemplateError || error instanceof ExpressionSyntaxError) return error.message;
    throw error;
  }
  return undefined;
}
