// A worker thread that reads and validates runbook texts as `stepwise validate` does, with the
// compiled engine (vitest does not transform worker code). The test that starts it watches the
// time each case takes and ends the worker when one hangs.
import { parentPort } from 'node:worker_threads';

const dist = new URL('../../dist/', import.meta.url);
const { parseRunbookText } = await import(new URL('engine/load/read-runbook-file.js', dist).href);
const { validateRunbookSource } = await import(new URL('engine/validate/validate-runbook.js', dist).href);
const { builtInRegistry } = await import(new URL('engine/cli/builtins.js', dist).href);
const registry = builtInRegistry();

parentPort.on('message', async ({ id, file, text }) => {
  try {
    const read = parseRunbookText(file, text);
    const result = read.ok ? await validateRunbookSource(read.source, registry) : { ok: false, diagnostics: read.diagnostics };
    parentPort.postMessage({ id, ok: result.ok, diagnostics: result.diagnostics });
  } catch (error) {
    parentPort.postMessage({ id, thrown: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
parentPort.postMessage({ ready: true });
