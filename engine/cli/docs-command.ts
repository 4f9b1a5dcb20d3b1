import { renderRunbookDocs } from '../document/render-docs.js';
import { builtInRegistry } from './builtins.js';
import { loadValidRunbook } from './load-valid-runbook.js';

export async function docsCommand(file: string): Promise<void> {
  const { runbook, registry } = await loadValidRunbook(file, builtInRegistry());
  process.stdout.write(await renderRunbookDocs(runbook, registry, { file }));
}
