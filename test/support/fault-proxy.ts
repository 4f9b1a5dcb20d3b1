/**
 * A loopback HTTP proxy between the SDK and moto that answers a share of the requests with the
 * faults AWS itself produces (throttling, 500, 503, dropped connections, slow answers) and
 * forwards the rest. Point AWS_ENDPOINT_URL at `url` instead of moto's.
 *
 * A faulted request never reaches moto, except a slow one, which is forwarded late: a write
 * that the SDK sends again after a fault is therefore never applied twice.
 * The choice of fault comes from a seeded generator, drawn in the order requests arrive.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAULT_KINDS = ['throttle', 'internal-error', 'unavailable', 'reset', 'latency'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** The faults that make a request fail; `latency` only slows it down. */
export const FAILING_FAULTS: readonly FaultKind[] = ['throttle', 'internal-error', 'unavailable', 'reset'];

/** What the proxy knows of a request before deciding its fate. */
export interface ProxiedRequest {
  /** From the signature's credential scope: cloudformation, ec2, s3, sts. */
  service: string;
  /** The API operation (DescribeStacks); for S3, the method and path (GET /bucket). */
  operation: string;
  method: string;
  path: string;
  /** Who sent it: stepwise's clients say `stepwise/<version>`. */
  userAgent: string;
}

export interface FaultSettings {
  /** The share of requests that get a fault, from 0 to 1. */
  rate: number;
  /** The faults to choose from, with equal chances. */
  kinds: readonly FaultKind[];
  /** How long a `latency` fault holds a request before forwarding it. */
  latencyMs: number;
  /** Only requests it accepts may get a fault; every request may when omitted. */
  only?: (request: ProxiedRequest) => boolean;
}

export interface ProxyRecord extends ProxiedRequest {
  outcome: FaultKind | 'forwarded';
}

export interface FaultProxy {
  /** Such as http://127.0.0.1:41235. */
  readonly url: string;
  /** Every request so far, in arrival order, with what the proxy did to it. */
  readonly records: readonly ProxyRecord[];
  configure(settings: Partial<FaultSettings>): void;
  /** The next requests that `only` accepts get these faults, in this order, whatever the rate. */
  failNext(kinds: readonly FaultKind[]): void;
  /** Forgets the records. */
  clearRecords(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions extends Partial<FaultSettings> {
  /** moto's URL. */
  target: string;
  seed: number;
}

const DEFAULT_SETTINGS: FaultSettings = { rate: 0, kinds: FAULT_KINDS, latencyMs: 300 };

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { target, seed, ...overrides } = options;
  let settings: FaultSettings = { ...DEFAULT_SETTINGS, ...overrides };
  const random = seededRandom(seed);
  const records: ProxyRecord[] = [];
  const scripted: FaultKind[] = [];
  const targetUrl = new URL(target);

  const server = createServer((incoming, response) => {
    void handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`fault proxy: ${(error as Error).message}`);
    });
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(incoming);
    const request = describeRequest(incoming, body);
    // two draws for every request, faulted or not, so that one request's fate never shifts the next one's
    const roll = random();
    const pick = random();
    const eligible = settings.only?.(request) ?? true;
    const randomKind = settings.kinds.length > 0 && roll < settings.rate ? settings.kinds[Math.floor(pick * settings.kinds.length)] : undefined;
    const kind = eligible ? (scripted.shift() ?? randomKind) : undefined;
    records.push({ ...request, outcome: kind ?? 'forwarded' });
    if (kind === 'reset') {
      incoming.socket.resetAndDestroy();
      return;
    }
    if (kind !== undefined && kind !== 'latency') return answerWithFault(response, kind, protocolOf(incoming, request));
    if (kind === 'latency') await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
    await forward(incoming, body, response, targetUrl);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    records,
    configure(changes) {
      settings = { ...settings, ...changes };
    },
    failNext(kinds) {
      scripted.push(...kinds);
    },
    clearRecords() {
      records.length = 0;
    },
    close: () => closeServer(server),
  };
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}

function describeRequest(incoming: IncomingMessage, body: Buffer): ProxiedRequest {
  const url = new URL(incoming.url ?? '/', 'http://proxy');
  // AWS4-HMAC-SHA256 Credential=KEY/20250101/us-east-1/cloudformation/aws4_request, ...
  const scope = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(incoming.headers.authorization ?? '');
  const service = scope?.[1] ?? 'unknown';
  const target = incoming.headers['x-amz-target'];
  const method = incoming.method ?? 'GET';
  const operation =
    (typeof target === 'string' ? target.split('.').pop() : undefined) ??
    new URLSearchParams(body.toString('utf8')).get('Action') ??
    url.searchParams.get('Action') ??
    `${method} ${url.pathname}`;
  return { service, operation, method, path: url.pathname, userAgent: `${incoming.headers['user-agent'] ?? ''} ${incoming.headers['x-amz-user-agent'] ?? ''}`.trim() };
}

type Protocol = 'query' | 'ec2' | 'rest-xml' | 'json';

function protocolOf(incoming: IncomingMessage, request: ProxiedRequest): Protocol {
  if (/x-amz-json/.test(incoming.headers['content-type'] ?? '')) return 'json';
  if (request.service === 'ec2') return 'ec2';
  if (request.service === 's3') return 'rest-xml';
  return 'query';
}

interface FaultAnswer {
  status: number;
  code: string;
  message: string;
}

/** What each service answers, by the error codes and statuses AWS documents for it. */
const ANSWERS: Record<Protocol, Record<Exclude<FaultKind, 'reset' | 'latency'>, FaultAnswer>> = {
  query: {
    throttle: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
    'internal-error': { status: 500, code: 'InternalFailure', message: 'The request processing has failed because of an unknown error, exception or failure.' },
    unavailable: { status: 503, code: 'ServiceUnavailable', message: 'The request has failed due to a temporary failure of the server.' },
  },
  ec2: {
    throttle: { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' },
    'internal-error': { status: 500, code: 'InternalError', message: 'An internal error has occurred.' },
    unavailable: { status: 503, code: 'Unavailable', message: 'The server is overloaded and can\'t handle the request.' },
  },
  'rest-xml': {
    throttle: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
    'internal-error': { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
    unavailable: { status: 503, code: 'ServiceUnavailable', message: 'Service is unable to handle request.' },
  },
  json: {
    throttle: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    'internal-error': { status: 500, code: 'InternalFailure', message: 'The request processing has failed because of an unknown error, exception or failure.' },
    unavailable: { status: 503, code: 'ServiceUnavailableException', message: 'The service is unavailable. Please try again later.' },
  },
};

let requestCounter = 0;

function answerWithFault(response: ServerResponse, kind: Exclude<FaultKind, 'reset' | 'latency'>, protocol: Protocol): void {
  const answer = ANSWERS[protocol][kind];
  const requestId = `fault-${process.pid}-${++requestCounter}`;
  const { contentType, body } = errorBody(protocol, answer, requestId);
  response.writeHead(answer.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    'x-amz-request-id': requestId,
  });
  response.end(body);
}

function errorBody(protocol: Protocol, answer: FaultAnswer, requestId: string): { contentType: string; body: string } {
  const xml = (text: string) => ({ contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?>\n${text}` });
  switch (protocol) {
    case 'json':
      return { contentType: 'application/x-amz-json-1.0', body: JSON.stringify({ __type: answer.code, message: answer.message }) };
    case 'ec2':
      return xml(`<Response><Errors><Error><Code>${answer.code}</Code><Message>${answer.message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
    case 'rest-xml':
      return xml(`<Error><Code>${answer.code}</Code><Message>${answer.message}</Message><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`);
    case 'query': {
      const type = answer.status >= 500 ? 'Receiver' : 'Sender';
      return xml(`<ErrorResponse><Error><Type>${type}</Type><Code>${answer.code}</Code><Message>${answer.message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    }
  }
}

function forward(incoming: IncomingMessage, body: Buffer, response: ServerResponse, target: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { hostname: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.on('end', resolve);
        answer.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** mulberry32: small, fast and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
