/**
 * A scripted stand-in for an AWS query-protocol endpoint (CloudFormation, STS) on a loopback
 * port, for what moto cannot show: stacks that take time or roll back, refusals, throttling.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  action: string;
  params: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export interface FakeResponse {
  status: number;
  body: string;
}

export interface FakeAws {
  readonly url: string;
  /** Answers every request; tests replace it. */
  handle: (request: FakeRequest) => FakeResponse;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeAws(): Promise<FakeAws> {
  const requests: FakeRequest[] = [];
  const fake: FakeAws = {
    url: '',
    handle: (request) => queryError(400, 'InvalidAction', `the fake has no answer for ${request.action}`),
    requests,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const request = { action: params.get('Action') ?? '', params, headers: incoming.headers };
      requests.push(request);
      const response = fake.handle(request);
      outgoing.writeHead(response.status, { 'content-type': 'text/xml' });
      outgoing.end(response.body);
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(fake, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return fake;
}

/** An error as query-protocol services send it. */
export function queryError(status: number, code: string, message: string): FakeResponse {
  return {
    status,
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
  };
}

/** A successful answer: `result` is the XML inside `<ActionResult>`. */
export function queryResult(action: string, result: string): FakeResponse {
  return {
    status: 200,
    body: `<${action}Response><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export interface FakeStack {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
}

export function describeStacksResult(stack: FakeStack): FakeResponse {
  const reason = stack.statusReason ? `<StackStatusReason>${escapeXml(stack.statusReason)}</StackStatusReason>` : '';
  return queryResult(
    'DescribeStacks',
    `<Stacks><member><StackName>${stack.name}</StackName><StackId>${stack.id}</StackId><StackStatus>${stack.status}</StackStatus>${reason}<CreationTime>2024-05-01T10:00:00Z</CreationTime></member></Stacks>`,
  );
}

export interface FakeStackEvent {
  id: string;
  logicalId: string;
  type: string;
  status: string;
  reason?: string;
}

/** `events` newest first, as CloudFormation lists them. */
export function describeStackEventsResult(stack: FakeStack, events: readonly FakeStackEvent[]): FakeResponse {
  const members = events
    .map(
      (event) =>
        `<member><EventId>${event.id}</EventId><StackId>${stack.id}</StackId><StackName>${stack.name}</StackName><LogicalResourceId>${event.logicalId}</LogicalResourceId><ResourceType>${event.type}</ResourceType><Timestamp>2024-05-01T10:00:00Z</Timestamp><ResourceStatus>${event.status}</ResourceStatus>${event.reason ? `<ResourceStatusReason>${escapeXml(event.reason)}</ResourceStatusReason>` : ''}</member>`,
    )
    .join('');
  return queryResult('DescribeStackEvents', `<StackEvents>${members}</StackEvents>`);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
