import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../support/cli.js';

export interface Heard {
  path: string;
  /** The body as it came over the wire, to look for a secret in any form. */
  raw: string;
  body: { text: string; stepwise: Record<string, unknown> };
}

export interface WebhookInbox {
  /** http://127.0.0.1:PORT */
  base: string;
  heard: Heard[];
  /** Polls until a notification of this event has come to this path. */
  event(path: string, event: string): Promise<Heard>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

/** A webhook on 127.0.0.1 that keeps every POST it hears and answers 200. */
export async function openWebhookInbox(): Promise<WebhookInbox> {
  const heard: Heard[] = [];
  const server: Server = createServer((request, response) => {
    void readBody(request).then((raw) => {
      heard.push({ path: request.url ?? '', raw, body: JSON.parse(raw) as Heard['body'] });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    heard,
    event: (path, event) =>
      waitFor(`a ${event} notification at ${path}`, () => heard.find((one) => one.path === path && one.body.stepwise.event === event), 60_000),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The forms a secret could be sent in: as is, in JSON, in a URL, in base64 (padding left off). */
export function encodedForms(secret: string): string[] {
  const base64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
  return [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), base64, base64.replace(/\+/g, '-').replace(/\//g, '_')];
}
