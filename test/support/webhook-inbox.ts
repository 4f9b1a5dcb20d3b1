import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

export interface Heard {
  path: string;
  /** The body as it came over the wire, to look for a secret in any form. */
  raw: string;
  body: { text: string; stepwise: Record<string, unknown> };
}

export interface WebhookInbox {
  /** http://127.0.0.1:PORT */
  base: string;
  /** What it heard and answered 200, oldest first (a test may empty it). */
  heard: Heard[];
  /** How many requests to a `silent` path are left unanswered. */
  unanswered(): number;
  /** Polls until a notification of this event has come to this path. */
  event(path: string, event: string): Promise<Heard>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

export interface InboxTroubles {
  /** Paths answered with HTTP 500, and not kept. */
  broken?: string[];
  /** Paths never answered, and not kept. */
  silent?: string[];
}

/** A webhook on 127.0.0.1 that keeps every POST it hears and answers 200, but on the paths given as trouble. */
export async function openWebhookInbox(troubles: InboxTroubles = {}): Promise<WebhookInbox> {
  const heard: Heard[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    void readBody(request).then((raw) => {
      const path = request.url ?? '';
      if (troubles.broken?.includes(path)) return void response.writeHead(500).end('down');
      if (troubles.silent?.includes(path)) return void hanging.push(response);
      heard.push({ path, raw, body: JSON.parse(raw) as Heard['body'] });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    heard,
    unanswered: () => hanging.length,
    event: (path, event) =>
      waitFor(`a ${event} notification at ${path}`, () => heard.find((one) => one.path === path && one.body.stepwise.event === event), 60_000),
    close: async () => {
      for (const response of hanging) response.destroy();
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
