import type { JsonObject } from '../../engine/json.js';
import { defineStep, type StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { EdnError } from './edn-error.js';
import type { EnsureOutcome } from './ensure-value.js';
import { ioFailure } from './io-failure.js';
import { rememberPlannedEdit, withPlannedEdits } from './planned-edits.js';
import { readEdnFile, type EdnFile } from './read-edn-file.js';
import { resolveFile } from './resolve-file.js';
import { formatPosition } from './text-layout.js';
import { writeFileAtomically } from './write-file-atomically.js';

export type EdnEnsureInput = {
  file: string;
  path: string[];
  value: string;
  replace?: boolean;
  backup?: boolean;
};

interface PreparedEdit {
  readonly file: EdnFile;
  readonly outcome: EnsureOutcome;
}

export default defineStep<EdnEnsureInput>({
  type: 'edn.ensure',
  description:
    'Make sure an EDN map file (such as deps.edn) holds a value at a key path, changing nothing else: comments, layout and line endings are kept.',
  effect: 'write',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['file', 'path', 'value'],
    properties: {
      file: {
        type: 'string',
        minLength: 1,
        description: 'The file to edit; `~` is the home folder, a relative path is relative to the runbook. Created when missing.',
      },
      path: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: 'Keys in EDN syntax, outermost first, e.g. [":mvn/repos", "\\"datomic-cloud\\""] or [":deps", "com.datomic/ion"].',
      },
      value: {
        type: 'string',
        minLength: 1,
        description: 'One EDN value, as text, e.g. {:mvn/version "1.0.68"}.',
      },
      replace: {
        type: 'boolean',
        default: false,
        description: 'Overwrite a different value already at the path instead of failing.',
      },
      backup: {
        type: 'boolean',
        default: true,
        description:
          'Keep the file as it was before the run as <file>.<run id>.bak beside it: one backup per run, made by the ' +
          'run\'s first edit of the file; the step\'s `backup` output is its path.',
      },
    },
  },

  async check(ctx, input) {
    const { outcome } = await prepare(ctx, input);
    return outcome.kind === 'present';
  },

  async plan(ctx, input) {
    const { file, outcome } = await prepare(ctx, input);
    const target = `${input.path.join(' ')} ${input.value.trim().replace(/\s*\r?\n\s*/g, ' ')}`;
    if (outcome.kind === 'conflict') throw toStepFailure(outcome.error, input, file.text);
    const asPlanned = file.plannedBefore ? ' (as the steps before would leave it)' : '';
    if (outcome.kind === 'present') return { summary: `${input.file}${asPlanned} already holds ${target}: nothing to change` };
    rememberPlannedEdit(ctx, file.path, outcome.text);
    const { unifiedDiff } = await import('./unified-diff.js');
    const created = file.existing === undefined && !file.plannedBefore;
    return {
      summary: `${created ? 'create' : 'edit'} ${input.file}${asPlanned}: ${outcome.action} ${target}`,
      details: unifiedDiff(input.file, created ? undefined : file.text, outcome.text),
    };
  },

  async run(ctx, input) {
    const { file, outcome } = await prepare(ctx, input);
    if (outcome.kind === 'conflict') throw toStepFailure(outcome.error, input, file.text);
    if (outcome.kind === 'present') return { file: file.path, changed: false, created: false };
    ctx.signal.throwIfAborted();
    const backup = await writeFileAtomically({
      path: file.path,
      text: outcome.text,
      existing: file.existing,
      keepBackup: input.backup ?? true,
      backupName: ctx.runId,
    }).catch((error: unknown) => {
      throw error instanceof StepFailure ? error : ioFailure(input.file, 'write', error);
    });
    ctx.log(`${outcome.action === 'add' ? 'added' : 'replaced'} ${input.path.join(' ')} in ${file.path}`);
    if (backup !== undefined) ctx.log(`backup of ${file.path} (one for run ${ctx.runId}): ${backup}`);
    const result: JsonObject = { file: file.path, changed: true, created: file.existing === undefined };
    if (backup !== undefined) result.backup = backup;
    return result;
  },
});

async function prepare(ctx: StepContext, input: EdnEnsureInput): Promise<PreparedEdit> {
  const file = withPlannedEdits(ctx, await readEdnFile(resolveFile(input.file, ctx.runbookDir), input.file));
  // The parser is loaded only when a step of this type actually runs, not during validation.
  const { ensureValue } = await import('./ensure-value.js');
  try {
    return { file, outcome: ensureValue(file.text, { path: input.path, value: input.value, replace: input.replace ?? false }) };
  } catch (error) {
    throw error instanceof EdnError ? toStepFailure(error, input, file.text) : error;
  }
}

/** `label:line:col: message`, where label names the text the operator wrote. */
function toStepFailure(error: EdnError, input: EdnEnsureInput, fileText: string): StepFailure {
  const { label, text } = describeSource(error, input, fileText);
  return new StepFailure(`${label}:${formatPosition(text, error.offset)}: ${error.message}`, {
    code: error.code,
    retryable: false,
  });
}

function describeSource(error: EdnError, input: EdnEnsureInput, fileText: string): { label: string; text: string } {
  switch (error.source.kind) {
    case 'file':
      return { label: input.file, text: fileText };
    case 'value':
      return { label: 'with.value', text: input.value };
    case 'path':
      return { label: `with.path[${error.source.index}]`, text: input.path[error.source.index] ?? '' };
  }
}
