/**
 * Module loader hooks (module.register) that tell the thread which registered them every file
 * an ES module is loaded from. They run on the loader's own thread, so they talk through a port;
 * a `flush` is answered after every load reported before it, since a port keeps its order.
 */
import type { MessagePort } from 'node:worker_threads';

export interface HooksData {
  port: MessagePort;
}

export type HooksMessage = { loaded: string } | { flushed: true };

let port: MessagePort | undefined;

export function initialize(data: HooksData): void {
  port = data.port;
  port.on('message', () => port!.postMessage({ flushed: true } satisfies HooksMessage));
}

export async function load(url: string, context: unknown, nextLoad: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  if (url.startsWith('file:')) port?.postMessage({ loaded: url } satisfies HooksMessage);
  return nextLoad(url, context);
}
