/** Helpers that look at processes through /proc and start the test's own server script. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const POLL_MS = 25;

/** State and process group of a live process; undefined once it is gone or a zombie. */
export async function liveProcess(pid: number): Promise<{ processGroup: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // `pid (comm) state ppid pgrp ...`; comm may itself hold spaces and parentheses
  const [state, , processGroup] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state === 'Z' ? undefined : { processGroup: Number(processGroup) };
}

/** The pids of the live (not zombie) processes of a process group. */
export async function liveMembersOf(processGroup: number): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await liveProcess(Number(entry)))?.processGroup === processGroup) members.push(Number(entry));
  }
  return members;
}

/** Polls until `condition` holds, failing with `what` when `timeoutMs` passes first. */
export async function until<T>(what: string, condition: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting until ${what}`);
    await delay(POLL_MS);
  }
}

/** Polls /proc until no live process is left in the group; fails naming the survivors. */
export async function expectGroupGone(processGroup: number, timeoutMs = 10_000): Promise<void> {
  let survivors: number[] = [];
  try {
    await until(`process group ${processGroup} is empty`, async () => {
      survivors = await liveMembersOf(processGroup);
      return survivors.length === 0;
    }, timeoutMs);
  } catch {
    throw new Error(`process group ${processGroup} still has live processes: ${survivors.join(', ')}`);
  }
}

/** A port nothing listens on right now (free when asked; the test uses it at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address for a test server');
  return address.port;
}

/** What the server script does, passed to it as one JSON argument. */
export interface ServerBehaviour {
  /** Listens on 127.0.0.1 at this port, then prints `readyLine`. */
  port?: number;
  /** Printed on stdout once ready (once listening, with `port`). */
  readyLine?: string;
  /** Printed on stdout at start. */
  lines?: string[];
  /** Printed on stderr at start. */
  errorLines?: string[];
  /** Prints this many numbered lines at start. */
  chatter?: number;
  /** Exits with this code after printing its lines, before being ready. */
  exitCode?: number;
  /** Ignores SIGTERM (it and its child), writing `termFile` when one arrives. */
  ignoreTerm?: boolean;
  termFile?: string;
  /** Starts a child in the script's process group, which must die with it. */
  child?: boolean;
  /** Where it writes `{ pid, childPid }` once started. */
  pidFile?: string;
}

const SERVER_SCRIPT = `
const fs = require('node:fs');
const net = require('node:net');
const { spawn } = require('node:child_process');
const behaviour = JSON.parse(process.argv[2]);
const onTerm = () => { if (behaviour.termFile) fs.writeFileSync(behaviour.termFile, 'SIGTERM'); };
if (behaviour.ignoreTerm) process.on('SIGTERM', onTerm);
let childPid;
if (behaviour.child) {
  const code = (behaviour.ignoreTerm ? "process.on('SIGTERM', () => {});" : '') + 'setInterval(() => {}, 1000);';
  childPid = spawn(process.execPath, ['-e', code], { stdio: 'ignore' }).pid;
}
if (behaviour.pidFile) fs.writeFileSync(behaviour.pidFile, JSON.stringify({ pid: process.pid, childPid }));
for (const line of behaviour.lines ?? []) console.log(line);
for (const line of behaviour.errorLines ?? []) console.error(line);
for (let i = 1; i <= (behaviour.chatter ?? 0); i++) console.log('chatter ' + i);
if (behaviour.exitCode !== undefined) process.exit(behaviour.exitCode);
const ready = () => { if (behaviour.readyLine) console.log(behaviour.readyLine); };
if (behaviour.port) net.createServer((socket) => socket.end()).listen(behaviour.port, '127.0.0.1', ready);
else ready();
setInterval(() => {}, 1000);
`;

/** Writes the server script into `dir` and returns it. */
export async function writeServerScript(dir: string): Promise<string> {
  const file = path.join(dir, 'server.cjs');
  await writeFile(file, SERVER_SCRIPT);
  return file;
}

/** The argv that starts the server script with a behaviour. */
export function serverCommand(script: string, behaviour: ServerBehaviour): string[] {
  return [process.execPath, script, JSON.stringify(behaviour)];
}

/** The pids the server script wrote, once it wrote them. */
export async function pidsFrom(pidFile: string): Promise<{ pid: number; childPid?: number }> {
  return until(`${pidFile} is written`, async () => {
    const text = await readFile(pidFile, 'utf8').catch(() => undefined);
    try {
      return text ? (JSON.parse(text) as { pid: number; childPid?: number }) : undefined;
    } catch {
      return undefined; // caught half-written
    }
  });
}
