import type { StepContext } from '../../engine/step-definition.js';
import type { EdnFile } from './read-edn-file.js';

/**
 * What the earlier edn.ensure steps of a dry-run would have written, by run and file: a dry-run
 * writes nothing, so a second step on the same file would otherwise plan against the file as it
 * is and show a diff the real run never makes.
 */
const plannedTexts = new Map<string, Map<string, string>>();

/** The file as the run would have left it so far: planned text, when an earlier step planned one. */
export function withPlannedEdits(ctx: Pick<StepContext, 'runId' | 'dryRun'>, file: EdnFile): EdnFile {
  const planned = ctx.dryRun ? plannedTexts.get(ctx.runId)?.get(file.path) : undefined;
  return planned === undefined ? file : { ...file, text: planned, plannedBefore: true };
}

export function rememberPlannedEdit(ctx: Pick<StepContext, 'runId' | 'onRunEnd'>, path: string, text: string): void {
  let ofRun = plannedTexts.get(ctx.runId);
  if (!ofRun) {
    ofRun = new Map();
    plannedTexts.set(ctx.runId, ofRun);
    ctx.onRunEnd(() => {
      plannedTexts.delete(ctx.runId);
    });
  }
  ofRun.set(path, text);
}
