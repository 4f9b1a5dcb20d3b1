/**
 * The moto AWS emulator as a child process on a loopback port, and its request recorder.
 * No vitest here: the demo script and the benchmarks use this module compiled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DRY_RUN_USER_AGENT } from '../../aws/sdk-clients.js';

export const MOTO_INSTALL_HINT = "moto_server not found: pip install 'moto[server]'";

export interface MotoServer {
  /** Such as http://127.0.0.1:41234; what AWS_ENDPOINT_URL is set to. */
  readonly url: string;
  /** moto's process, the leader of its own process group; stop() kills the group. */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** The moto_server executable; found on PATH when omitted. */
  command?: string;
  /** How long moto may take to answer its first request. */
  startTimeoutMs?: number;
}

/** The path of moto_server on PATH, or undefined when it is not installed. */
export async function findMotoServer(pathVariable = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const folder of pathVariable.split(delimiter).filter(Boolean)) {
    const candidate = join(folder, 'moto_server');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * Starts moto_server on a free loopback port and resolves once it answers. Moto runs in its
 * own process group, which stop() kills. A small watchdog shell, whose stdin is a pipe from
 * this process, kills that group when the pipe closes: moto never outlives us, even after a
 * SIGKILL. Both are children of this process, so nothing is left for init to reap.
 * Moto records every request (MOTO_ENABLE_RECORDING) into a temporary folder of its own.
 * Moto runs with the fixes of moto-fixes/sitecustomize.py: its ExecuteChangeSet leaves the stack's
 * Outputs as they were (real CloudFormation rebuilds them), and its recorder interleaves large
 * requests that arrive at once.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const command = options.command ?? (await findMotoServer());
  if (!command) throw new Error(MOTO_INSTALL_HINT);
  // another process may take the free port between our probe and moto's bind: try again then
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await launch(command, await freeLoopbackPort(), options.startTimeoutMs ?? 30_000);
    } catch (error) {
      if (attempt === 3 || !/address already in use/i.test(String(error))) throw error;
    }
  }
}

/** $0: the process group; $1: a folder, removed too since we cannot. dash's kill takes no `--`. */
const WATCHDOG_SCRIPT = 'read -r _ignored; kill -KILL -"$0" 2>/dev/null; rm -rf "$1"';

/**
 * A shell that kills process group `groupId` and removes `folder` as soon as its stdin, a
 * pipe from this process, closes: when this process ends, however it ends.
 */
export function spawnWatchdog(groupId: number, folder: string): ChildProcess {
  return spawn('sh', ['-c', WATCHDOG_SCRIPT, String(groupId), folder], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
}

async function launch(command: string, port: number, startTimeoutMs: number): Promise<MotoServer> {
  const url = `http://127.0.0.1:${port}`;
  const recordingFolder = await mkdtemp(join(tmpdir(), 'stepwise-moto-'));
  const server = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      MOTO_RECORDER_FILEPATH: join(recordingFolder, 'recording.jsonl'),
      MOTO_ENABLE_RECORDING: 'true',
      PYTHONPATH: [motoFixesFolder(), process.env.PYTHONPATH].filter(Boolean).join(delimiter),
    },
  });
  if (server.pid === undefined) {
    const error = await new Promise<Error>((resolve) => server.once('error', resolve));
    await rm(recordingFolder, { recursive: true, force: true });
    throw new Error(`${command} could not be started: ${error.message}`);
  }
  // 'close' rather than 'exit': moto's last words on stderr are in by then
  const serverExit = exitOf(server, 'close');
  const watchdog = spawnWatchdog(server.pid, recordingFolder);
  const watchdogExit = exitOf(watchdog, 'exit');
  let stderr = '';
  server.stderr!.setEncoding('utf8');
  server.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const killGroup = () => {
    try {
      process.kill(-server.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);

  // SIGKILL: moto keeps nothing worth flushing, and takes over a second to honour SIGTERM
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.removeListener('exit', killGroup);
      killGroup();
      watchdog.kill('SIGKILL');
      await Promise.all([serverExit, watchdogExit]);
      await rm(recordingFolder, { recursive: true, force: true });
    })());

  const deadline = Date.now() + startTimeoutMs;
  let exitCode: number | null | undefined;
  void serverExit.then((code) => (exitCode = code));
  while (Date.now() < deadline && exitCode === undefined) {
    if (await answers(url)) return { url, pid: server.pid!, stop };
    await delay(50);
  }
  await stop();
  throw new Error(
    exitCode !== undefined
      ? `${command} exited with code ${exitCode} before answering on ${url}: ${stderr.trim()}`
      : `${command} did not answer on ${url} within ${startTimeoutMs} ms: ${stderr.trim()}`,
  );
}

/** test/support/moto-fixes, found from this file whether it runs from test/support or dist/test/support. */
function motoFixesFolder(): string {
  for (let folder = dirname(fileURLToPath(import.meta.url)); ; folder = dirname(folder)) {
    const candidate = join(folder, 'test', 'support', 'moto-fixes');
    if (existsSync(join(candidate, 'sitecustomize.py'))) return candidate;
    if (dirname(folder) === folder) throw new Error(`test/support/moto-fixes not found above ${fileURLToPath(import.meta.url)}`);
  }
}

function exitOf(child: ChildProcess, event: 'exit' | 'close'): Promise<number | null> {
  return new Promise((resolve) => child.once(event, (code: number | null) => resolve(code)));
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function motoApi(url: string, path: string, method: 'GET' | 'POST' = 'POST'): Promise<string> {
  const response = await fetch(`${url}/moto-api/${path}`, { method });
  const body = await response.text();
  if (!response.ok) throw new Error(`moto ${method} /moto-api/${path} answered ${response.status}: ${body.slice(0, 500)}`);
  return body;
}

/** Forgets every resource in every account and region. */
export async function resetMoto(url: string): Promise<void> {
  await motoApi(url, 'reset');
}

/** One request moto received, as its recorder saw it. */
export interface RecordedCall {
  /** From the request's signature scope, such as cloudformation, ec2, s3, sts. */
  service: string;
  /** The region the request was signed for. */
  region: string;
  /** The API operation (UpdateStack); for S3 requests without one, the method and path. */
  operation: string;
  method: string;
  url: string;
  /** Sent by a client stepwise built for a dry-run (its user agent says so). */
  dryRun: boolean;
  /** The change set a CloudFormation request names, by its name (also when the request gives its ARN). */
  changeSet?: string;
}

/** A position in the recording: only calls after it count. */
export interface RecordingMark {
  readonly count: number;
}

/** Empties the recording (moto's reset does not); recording itself stays on. */
export async function resetRecording(url: string): Promise<void> {
  await motoApi(url, 'recorder/reset-recording');
}

export async function recordingMark(url: string): Promise<RecordingMark> {
  return { count: (await recordedCalls(url)).length };
}

/** Every AWS request moto recorded, oldest first; calls to moto's own API are left out. */
export async function recordedCalls(url: string): Promise<RecordedCall[]> {
  return describeLines(await recordedLines(url));
}

/**
 * Every call a dry-run's client sent that could change something, in the whole recording,
 * but the creation and deletion of change sets (see dryRunChangeSetsLeft).
 * Only lines that carry the dry-run mark are read.
 */
export async function dryRunWriteCalls(url: string): Promise<RecordedCall[]> {
  return (await dryRunCalls(url)).filter((call) => !isRecordedRead(call) && !isChangeSetPreview(call));
}

/**
 * How a plan names a change set it keeps for `apply` (`plan --out`), as the step does
 * (steps/aws/change-set-preview.ts); written again here so that the check does not share its mistakes.
 */
const KEPT_CHANGE_SET = /^stepwise-apply-/;

/**
 * The change sets dry-runs created and did not delete, by name: a plan may preview a stack
 * update with a change set (CreateChangeSet, DescribeChangeSet, DeleteChangeSet), but must
 * delete each one, `kept` aside: the change sets `plan --out` keeps for `apply` to execute.
 */
export async function dryRunChangeSetsLeft(url: string): Promise<{ previews: string[]; kept: string[] }> {
  const calls = (await dryRunCalls(url)).filter((call) => call.service === 'cloudformation');
  const named = (operation: string) => calls.filter((call) => call.operation === operation).map((call) => call.changeSet ?? '?');
  const deleted = new Set(named('DeleteChangeSet'));
  const left = named('CreateChangeSet').filter((name) => !deleted.has(name));
  return { previews: left.filter((name) => !KEPT_CHANGE_SET.test(name)), kept: left.filter((name) => KEPT_CHANGE_SET.test(name)) };
}

async function dryRunCalls(url: string): Promise<RecordedCall[]> {
  const marked = (await recordedLines(url)).filter(({ line }) => line.includes(DRY_RUN_USER_AGENT));
  return describeLines(marked).filter((call) => call.dryRun);
}

function isChangeSetPreview(call: RecordedCall): boolean {
  return call.service === 'cloudformation' && (call.operation === 'CreateChangeSet' || call.operation === 'DeleteChangeSet');
}

async function recordedLines(url: string): Promise<{ line: string; index: number }[]> {
  const text = await motoApi(url, 'recorder/download-recording', 'GET');
  return text
    .split('\n')
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.trim() !== '');
}

function describeLines(lines: readonly { line: string; index: number }[]): RecordedCall[] {
  return lines.map(({ line, index }) => describeRecordedRequest(parseRecordedLine(line, index))).filter((call): call is RecordedCall => call !== undefined);
}

/**
 * The calls after `mark` that could change something: everything but Describe*, List*, Get*,
 * Head* and the named reads. This is how tests prove that a dry-run sent no write to AWS.
 */
export async function writeCallsSince(url: string, mark: RecordingMark): Promise<RecordedCall[]> {
  const calls = await recordedCalls(url);
  return calls.slice(mark.count).filter((call) => !isRecordedRead(call));
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  body_encoded: boolean;
}

// Apart from steps/aws/read-operations.ts on purpose: the check must not share the guard's mistakes.
const READ_OPERATION = /^(Describe|List|Get|Head)([A-Z]|$)|^(ValidateTemplate|EstimateTemplateCost|DecodeAuthorizationMessage)$/;

function isRecordedRead(call: RecordedCall): boolean {
  if (call.service === 's3' && !/^[A-Z][A-Za-z]+$/.test(call.operation)) return call.method === 'GET' || call.method === 'HEAD';
  return READ_OPERATION.test(call.operation);
}

/**
 * moto_server appends each request from its own thread; without the lock that
 * moto-fixes/sitecustomize.py adds, two requests over 8 KiB sent at once interleave. A garbled
 * line could hide a write, so it is an error, never skipped.
 */
function parseRecordedLine(line: string, index: number): RecordedRequest {
  try {
    return JSON.parse(line) as RecordedRequest;
  } catch (error) {
    throw new Error(
      `line ${index + 1} of moto's recording is garbled (${(error as Error).message}): was moto started without test/support/moto-fixes on PYTHONPATH? The line begins ${JSON.stringify(line.slice(0, 200))}`,
    );
  }
}

function describeRecordedRequest(request: RecordedRequest): RecordedCall | undefined {
  const target = new URL(request.url);
  if (target.pathname.startsWith('/moto-api/')) return undefined;
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  // AWS4-HMAC-SHA256 Credential=KEY/20250101/us-east-1/cloudformation/aws4_request, ...
  const scope = /Credential=[^/]+\/\d+\/([^/]+)\/([^/]+)\//.exec(headers.authorization ?? '');
  const region = scope?.[1] ?? 'unknown';
  const service = scope?.[2] ?? 'unknown';
  const body = request.body_encoded && request.body ? Buffer.from(request.body, 'base64').toString('utf8') : (request.body ?? '');
  const operation =
    (headers['x-amz-target'] ? headers['x-amz-target'].split('.').pop() : undefined) ??
    new URLSearchParams(body).get('Action') ??
    target.searchParams.get('Action') ??
    target.searchParams.get('x-id') ??
    `${request.method} ${target.pathname}${target.search}`;
  const dryRun = `${headers['user-agent'] ?? ''} ${headers['x-amz-user-agent'] ?? ''}`.includes(DRY_RUN_USER_AGENT);
  // arn:aws:cloudformation:REGION:ACCOUNT:changeSet/NAME/ID, or the name alone
  const changeSet = new URLSearchParams(body).get('ChangeSetName')?.replace(/^arn:[^/]*:changeSet\/([^/]+)\/.*$/, '$1');
  return { service, region, operation, method: request.method, url: request.url, dryRun, ...(changeSet ? { changeSet } : {}) };
}

/**
 * Moto imports a service's code on its first request, over three seconds for CloudFormation.
 * Read-only requests (moto does not check signatures) pay that early and create nothing.
 */
export async function warmUpMoto(url: string): Promise<void> {
  const reads: Array<[service: string, body: string]> = [
    ['cloudformation', 'Action=DescribeStacks&Version=2010-05-15'],
    ['ec2', 'Action=DescribeInstances&Version=2016-11-15'],
    ['autoscaling', 'Action=DescribeAutoScalingGroups&Version=2011-01-01'],
    ['sts', 'Action=GetCallerIdentity&Version=2011-06-15'],
  ];
  for (const [service, body] of reads) {
    const response = await fetch(`${url}/`, {
      method: 'POST',
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });
    await response.arrayBuffer();
  }
}

/**
 * A lock between processes (vitest runs test files in worker processes): whoever creates the
 * folder holds it. A lock whose holder died is taken over. Resolves to the release function.
 */
export async function takeMotoLock(path: string, waitMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(path);
      await writeFile(join(path, 'pid'), String(process.pid));
      return () => rm(path, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await lockHolderIsGone(path)) {
      await rm(path, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`waited ${waitMs} ms for the moto lock ${path}, held by another test file`);
    await delay(25);
  }
}

async function lockHolderIsGone(path: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(await readFile(join(path, 'pid'), 'utf8'));
  } catch {
    return false; // the holder is between mkdir and writing its pid
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
