/**
 * A loopback proxy in front of moto that shows chosen stacks the way CloudFormation does while
 * it works, which moto cannot: moto finishes every update before it answers UpdateStack, and
 * never rolls one back. Everything is forwarded to moto (so its recorder sees every call that
 * reaches it) except an update the test keeps from it; only the answers of DescribeStacks
 * and DescribeStackEvents about a scripted stack are rewritten.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { queryResult } from '../../support/fake-aws.js';

/** One look of the stack: the status DescribeStacks reports, and events shown above moto's own. */
export interface StackStage {
  status: string;
  /** Newest first, as CloudFormation lists them. */
  events?: ProxyStackEvent[];
}

export interface StackScript {
  /** Each DescribeStacks answer that shows the stack moves to the next stage; the last one stays. */
  stages: StackStage[];
  /** Moto's own events with these statuses are left out, such as the UPDATE_COMPLETE of an update shown as still running. */
  hiddenStatuses?: string[];
}

export interface ProxyStackEvent {
  logicalId: string;
  type: string;
  status: string;
  reason?: string;
}

/** What becomes of an update of a stack: an UpdateStack, or an ExecuteChangeSet that names its stack. */
export interface UpdateStackHandling {
  /** Whether moto gets the request, and so makes the change. Otherwise the proxy answers for it. */
  forward: boolean;
  /** Whether the caller gets an answer; without one its request hangs until the proxy closes. */
  answer: boolean;
  /** How the stack looks from then on. */
  then?: StackScript;
}

export interface ProxiedCall {
  service: string;
  action: string;
  /** The stack's name, from StackName (a name or an ARN), for CloudFormation calls that name one. */
  stackName?: string;
  /** For an update: set once moto has made the change (true) or was kept from it (false). */
  forwarded?: boolean;
}

export interface StackScriptProxy {
  readonly url: string;
  /** Every request, in arrival order. */
  readonly calls: readonly ProxiedCall[];
  /** Decides what an update (UpdateStack, ExecuteChangeSet) does; by default it goes to moto and is answered. */
  handleUpdateStack: (stackName: string) => UpdateStackHandling;
  /** Shows `stackName` as `script` says from now on; undefined shows it as moto has it. */
  script(stackName: string, script: StackScript | undefined): void;
  close(): Promise<void>;
}

interface ActiveScript extends StackScript {
  /** The stage DescribeStacks showed last; -1 before the first. */
  shown: number;
  events: Map<ProxyStackEvent, { id: string; at: string }>;
}

interface Forwarded {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const FORWARD_ALWAYS: UpdateStackHandling = { forward: true, answer: true };

export async function startStackScriptProxy(target: string): Promise<StackScriptProxy> {
  const targetUrl = new URL(target);
  const scripts = new Map<string, ActiveScript>();
  const calls: ProxiedCall[] = [];
  let eventNumber = 0;

  const proxy: StackScriptProxy = {
    url: '',
    calls,
    handleUpdateStack: () => FORWARD_ALWAYS,
    script(stackName, script) {
      if (script === undefined) scripts.delete(stackName);
      else scripts.set(stackName, { ...script, shown: -1, events: new Map() });
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };

  function forward(incoming: IncomingMessage, body: Buffer | string): Promise<Forwarded> {
    const headers = { ...incoming.headers, host: targetUrl.host, 'content-length': String(Buffer.byteLength(body)) };
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  function reply(outgoing: ServerResponse, answer: Forwarded | { status: number; body: string }): void {
    const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
    const headers = 'headers' in answer ? { ...answer.headers } : { 'content-type': 'text/xml' };
    delete headers['transfer-encoding'];
    outgoing.writeHead(answer.status, { ...headers, 'content-length': String(body.length) });
    outgoing.end(body);
  }

  /** The stage a DescribeStacks answer shows: the next one, or the last one again. */
  function nextStage(script: ActiveScript): StackStage {
    script.shown = Math.min(script.shown + 1, script.stages.length - 1);
    return script.stages[script.shown]!;
  }

  /** The stage the events belong to: the one DescribeStacks showed last. */
  function shownStage(script: ActiveScript): StackStage {
    return script.stages[Math.max(script.shown, 0)]!;
  }

  function rewriteStacks(xml: string): string {
    let rewritten = xml;
    for (const [name, script] of scripts) {
      const status = new RegExp(`(<StackName>${escapeRegExp(name)}</StackName>[\\s\\S]*?<StackStatus>)[^<]*(</StackStatus>)`);
      if (!status.test(rewritten)) continue;
      rewritten = rewritten.replace(status, `$1${nextStage(script).status}$2`);
    }
    return rewritten;
  }

  function rewriteEvents(xml: string, stackName: string): string {
    const script = scripts.get(stackName);
    if (!script) return xml;
    const stackId = /<StackId>([^<]+)<\/StackId>/.exec(xml)?.[1] ?? stackName;
    const hidden = new Set(script.hiddenStatuses ?? []);
    const own = [...xml.matchAll(/<member>[\s\S]*?<\/member>/g)]
      .map((match) => match[0])
      .filter((member) => !hidden.has(/<ResourceStatus>([^<]*)<\/ResourceStatus>/.exec(member)?.[1] ?? ''));
    const added = (shownStage(script).events ?? []).map((event) => {
      // an event keeps its id and time from the first time it is shown, as a real one would
      let identity = script.events.get(event);
      if (!identity) {
        identity = { id: `stepwise-proxy-event-${++eventNumber}`, at: new Date().toISOString() };
        script.events.set(event, identity);
      }
      return eventXml(stackId, stackName, event, identity);
    });
    return xml.replace(/<StackEvents>[\s\S]*<\/StackEvents>|<StackEvents\/>/, `<StackEvents>${[...added, ...own].join('')}</StackEvents>`);
  }

  async function update(incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer, action: string, stackName: string): Promise<void> {
    const call = calls.at(-1)!;
    const handling = proxy.handleUpdateStack(stackName);
    let answer: Forwarded | { status: number; body: string };
    if (handling.forward) {
      answer = await forward(incoming, body);
    } else {
      const described = await forward(incoming, new URLSearchParams({ Action: 'DescribeStacks', Version: '2010-05-15', StackName: stackName }).toString());
      const stackId = /<StackId>([^<]+)<\/StackId>/.exec(described.body.toString('utf8'))?.[1];
      if (!stackId) throw new Error(`the proxy could not find the id of stack ${stackName} in moto's answer: ${described.body.toString('utf8').slice(0, 300)}`);
      answer = queryResult(action, action === 'UpdateStack' ? `<StackId>${stackId}</StackId>` : '');
    }
    if (answer.status === 200 && handling.then) proxy.script(stackName, handling.then);
    call.forwarded = handling.forward;
    if (handling.answer) reply(outgoing, answer);
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer): Promise<void> {
    const service = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(incoming.headers.authorization ?? '')?.[1] ?? 'unknown';
    const params = service === 'cloudformation' ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
    const action = params.get('Action') ?? `${incoming.method} ${incoming.url}`;
    const stackName = nameOf(params.get('StackName'));
    calls.push({ service, action, ...(stackName === undefined ? {} : { stackName }) });
    if (service !== 'cloudformation') return reply(outgoing, await forward(incoming, body));
    if ((action === 'UpdateStack' || action === 'ExecuteChangeSet') && stackName !== undefined) return update(incoming, outgoing, body, action, stackName);
    const answer = await forward(incoming, body);
    if (answer.status !== 200) return reply(outgoing, answer);
    const xml = answer.body.toString('utf8');
    if (action === 'DescribeStacks') return reply(outgoing, { ...answer, body: Buffer.from(rewriteStacks(xml)) });
    if (action === 'DescribeStackEvents' && stackName !== undefined) return reply(outgoing, { ...answer, body: Buffer.from(rewriteEvents(xml, stackName)) });
    return reply(outgoing, answer);
  }

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      handle(incoming, outgoing, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!outgoing.headersSent) reply(outgoing, { status: 500, body: `<ErrorResponse><Error><Code>ProxyError</Code><Message>${String(error)}</Message></Error></ErrorResponse>` });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(proxy, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return proxy;
}

/** A stack's name from a StackName parameter, which may be its ARN (arn:...:stack/NAME/UUID). */
function nameOf(nameOrArn: string | null): string | undefined {
  if (nameOrArn === null) return undefined;
  return nameOrArn.startsWith('arn:') ? nameOrArn.split('/')[1] : nameOrArn;
}

function eventXml(stackId: string, stackName: string, event: ProxyStackEvent, identity: { id: string; at: string }): string {
  const reason = event.reason === undefined ? '' : `<ResourceStatusReason>${escapeXml(event.reason)}</ResourceStatusReason>`;
  return `<member><StackId>${stackId}</StackId><EventId>${identity.id}</EventId><StackName>${stackName}</StackName><LogicalResourceId>${event.logicalId}</LogicalResourceId><ResourceType>${event.type}</ResourceType><Timestamp>${identity.at}</Timestamp><ResourceStatus>${event.status}</ResourceStatus>${reason}</member>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
