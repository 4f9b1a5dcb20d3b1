/**
 * Module loader hooks (module.register) that tell the thread which registered them every file
 * an ES module is loaded from. They run on the loader's own thread, so they talk through a port;
 * a `flush` is answered after every load reported before it, since a port keeps its order.
 *
 * The hooks are registered as a data: URL of plain JavaScript rather than as a file beside this
 * one: the loader thread cannot compile TypeScript, and the engine also runs from its sources
 * (under vitest), where no compiled sibling exists.
 */
import type { MessagePort } from 'node:worker_threads';

export interface HooksData {
  port: MessagePort;
}

export type HooksMessage = { loaded: string } | { flushed: true };

const HOOKS_SOURCE = `
let port;
export function initialize(data) {
  port = data.port;
  port.on('message', () => port.postMessage({ flushed: true }));
}
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) port?.postMessage({ loaded: url });
  return nextLoad(url, context);
}
`;

export const HOOKS_URL = `data:text/javascript,${encodeURIComponent(HOOKS_SOURCE)}`;
