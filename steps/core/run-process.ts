import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** How long a process group has to exit after SIGTERM before it gets SIGKILL. */
const KILL_GRACE_MS = 5_000;
const GROUP_POLL_MS = 50;
/** SIGKILL cannot be caught, so only a process stuck in the kernel outlives this. */
const AFTER_KILL_WAIT_MS = 2_000;
/**
 * Output a program wrote just before it exited may still be in the pipe when its exit is
 * seen; this bounds the wait for it, which is cut short when the stream ends.
 */
const OUTPUT_DRAIN_MS = 500;

export interface ProcessRequest {
  /** Program and arguments; never interpreted by a shell here. */
  argv: readonly string[];
  /** An existing directory (spawn reports a missing one as a missing program). */
  cwd: string;
  /** Added to this process's environment; a name set to undefined is left out. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Written to the program's stdin; without it stdin is /dev/null, so a prompt sees end of input. */
  stdin?: string;
  signal: AbortSignal;
  /** Called with each stdout line as it arrives. */
  onStdoutLine?: (line: string) => void;
}

export type ProcessOutcome =
  | { kind: 'exited'; exitCode: number; stdout: string; stderr: string }
  | { kind: 'killed'; signal: string; stdout: string; stderr: string }
  /** The program could not be started: `code` is the system's (ENOENT, EACCES, ...). */
  | { kind: 'not-started'; code: string; message: string };

/** Process groups still running, killed outright if this process exits under them. */
const runningGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Runs a program in a process group of its own and waits for it. When `signal` aborts, the
 * whole group gets SIGTERM, then SIGKILL after a grace period, so that nothing the program
 * started outlives it; the returned promise then rejects with the signal's reason, once no
 * process of the group is left.
 */
export async function runProcess(request: ProcessRequest): Promise<ProcessOutcome> {
  const { signal } = request;
  signal.throwIfAborted();
  const [file, ...args] = request.argv;
  if (file === undefined) throw new TypeError('runProcess needs at least a program name');
  const { execa } = await import('execa');
  signal.throwIfAborted();

  const subprocess = execa(file, args, {
    cwd: request.cwd,
    env: request.env,
    ...(request.stdin === undefined ? { stdin: 'ignore' as const } : { input: request.stdin }),
    reject: false,
    detached: true,
    cancelSignal: signal,
    // the group, not only the leader, needs the SIGKILL: terminateGroup sends it
    forceKillAfterDelay: false,
  });
  const groupId = subprocess.pid;
  let termination: Promise<void> | undefined;
  const terminate = (): void => {
    if (groupId !== undefined) termination ??= terminateGroup(groupId);
  };
  if (groupId !== undefined) {
    runningGroups.add(groupId);
    installExitHook();
    signal.addEventListener('abort', terminate, { once: true });
  }

  try {
    const streaming = request.onStdoutLine ? forwardLines(subprocess.iterable(), request.onStdoutLine) : undefined;
    const result = await subprocess;
    await streaming;
    await termination;
    signal.throwIfAborted();
    if (result.exitCode !== undefined) {
      return { kind: 'exited', exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    }
    if (result.signal !== undefined) {
      return { kind: 'killed', signal: result.signal, stdout: result.stdout, stderr: result.stderr };
    }
    return {
      kind: 'not-started',
      code: result.code ?? 'unknown',
      message: result.originalMessage ?? result.shortMessage ?? `${file} could not be started`,
    };
  } finally {
    signal.removeEventListener('abort', terminate);
    if (groupId !== undefined) runningGroups.delete(groupId);
  }
}

export interface BackgroundRequest {
  /** Program and arguments; never interpreted by a shell here. */
  argv: readonly string[];
  /** An existing directory (spawn reports a missing one as a missing program). */
  cwd: string;
  /** Added to this process's environment; a name set to undefined is left out. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Called with each line of stdout and stderr, in the order they arrive, for as long as the
   * program runs: its output is read to the end so that a full pipe never blocks it.
   */
  onLine: (line: string) => void;
}

export type BackgroundExit = { kind: 'exited'; exitCode: number } | { kind: 'killed'; signal: string };

/** A program started by startBackgroundProcess, running in a process group of its own. */
export interface BackgroundProcess {
  /** Also the id of its process group. */
  readonly pid: number;
  /** Settles when the program itself exits (what it started may live on in its group). */
  readonly exited: Promise<BackgroundExit>;
  /**
   * SIGTERM to the whole group, then SIGKILL after `graceMs`; settles once no process of
   * the group is left. Calling it again returns the stop already under way.
   */
  stop(graceMs: number): Promise<void>;
}

export type BackgroundStart =
  | { kind: 'started'; process: BackgroundProcess }
  /** The program could not be started: `code` is the system's (ENOENT, EACCES, ...). */
  | { kind: 'not-started'; code: string; message: string };

/**
 * Starts a program that keeps running after this call returns, in a process group of its
 * own, with stdin at /dev/null. Its output is not kept (a long-lived program would fill
 * memory): each line goes to `onLine`. Until `stop` has finished, the group is on the list
 * that the exit hook SIGKILLs, so a stepwise process that exits at once (a second Ctrl-C)
 * leaves nothing behind.
 */
export async function startBackgroundProcess(request: BackgroundRequest): Promise<BackgroundStart> {
  const [file, ...args] = request.argv;
  if (file === undefined) throw new TypeError('startBackgroundProcess needs at least a program name');
  const { execa } = await import('execa');

  const subprocess = execa(file, args, {
    cwd: request.cwd,
    env: request.env,
    stdin: 'ignore',
    all: true,
    buffer: false,
    reject: false,
    detached: true,
    forceKillAfterDelay: false,
  });
  const groupId = subprocess.pid;
  if (groupId === undefined) {
    const result = await subprocess;
    return {
      kind: 'not-started',
      code: result.code ?? 'unknown',
      message: result.originalMessage ?? result.shortMessage ?? `${file} could not be started`,
    };
  }
  runningGroups.add(groupId);
  installExitHook();
  const stopWatching = watchOverGroup(groupId);

  const reading = forwardLines(subprocess.iterable({ from: 'all' }), request.onLine);
  // the process's own exit, not the end of its output, which a child it left running may hold open
  const exited = new Promise<BackgroundExit>((resolve) => {
    subprocess.once('exit', (exitCode, signal) => {
      const exit: BackgroundExit =
        exitCode === null ? { kind: 'killed', signal: signal ?? 'unknown' } : { kind: 'exited', exitCode };
      void Promise.race([reading, delay(OUTPUT_DRAIN_MS, undefined, { ref: false })]).then(() => resolve(exit));
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs: number): Promise<void> =>
    (stopping ??= (async () => {
      await terminateGroup(groupId, graceMs);
      await waitUntilGone(groupId, AFTER_KILL_WAIT_MS);
      runningGroups.delete(groupId);
      stopWatching();
    })());
  return { kind: 'started', process: { pid: groupId, exited, stop } };
}

async function forwardLines(lines: AsyncIterable<string>, onLine: (line: string) => void): Promise<void> {
  try {
    for await (const line of lines) onLine(line);
  } catch {
    // the iteration fails when the program does; its outcome is reported from the result
  }
}

/**
 * $0: the process group. `read` returns when its stdin, a pipe from stepwise, closes: when
 * stepwise ends however it ends, SIGKILL and crashes included, which no exit hook sees.
 * dash's kill takes no `--`.
 */
const WATCHDOG_SCRIPT = `read -r _ignored; kill -TERM -"$0" 2>/dev/null || exit 0; sleep ${KILL_GRACE_MS / 1000}; kill -KILL -"$0" 2>/dev/null`;

/**
 * A small shell, in a group of its own, that stops the group if stepwise dies without
 * stopping it. It holds nothing open for stepwise: the run ends without waiting for it.
 * Returns what dismisses it once the group is stopped.
 */
function watchOverGroup(groupId: number): () => void {
  const watchdog = spawn('sh', ['-c', WATCHDOG_SCRIPT, String(groupId)], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.on('error', () => {
    // without sh the exit hook still stops the group on every exit but a SIGKILL
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return () => {
    if (watchdog.pid !== undefined && watchdog.exitCode === null) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const groupId of runningGroups) signalGroup(groupId, 'SIGKILL');
  });
}

async function terminateGroup(groupId: number, graceMs = KILL_GRACE_MS): Promise<void> {
  if (!signalGroup(groupId, 'SIGTERM')) return;
  if (await waitUntilGone(groupId, graceMs)) return;
  signalGroup(groupId, 'SIGKILL');
}

/** True once no live process is left in the group, false when `ms` passed first. */
async function waitUntilGone(groupId: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await groupIsAlive(groupId))) return true;
    if (Date.now() >= deadline) return false;
    await delay(GROUP_POLL_MS);
  }
}

/** False when no process is left in the group to receive the signal. */
function signalGroup(groupId: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-groupId, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * A group of zombies still accepts signals; on Linux /proc tells them apart, which matters
 * where the init process does not reap orphans (many containers) and the wait would last
 * the whole grace period.
 */
async function groupIsAlive(groupId: number): Promise<boolean> {
  if (!signalGroup(groupId, 0)) return false;
  if (process.platform !== 'linux') return true;
  const entries = await readdir('/proc').catch(() => undefined);
  if (entries === undefined) return true;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // `pid (comm) state ppid pgrp ...`; comm may itself hold spaces and parentheses
    const [state, , processGroup] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(processGroup) === groupId && state !== 'Z') return true;
  }
  return false;
}
