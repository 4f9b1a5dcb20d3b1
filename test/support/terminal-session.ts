/**
 * A program run in a real pseudo-terminal, as an operator runs it: what it shows is read as it
 * comes, keys are typed through the terminal (Ctrl-C is the byte \x03, which the terminal turns
 * into SIGINT for the program's foreground process group), and closing the terminal hangs it up
 * (SIGHUP), as a dropped SSH session does.
 *
 * Python's `pty` module holds the terminal: node has no pseudo-terminal of its own. The Python
 * side copies the terminal's output to its stdout, its stdin to the terminal, closes the
 * terminal when its stdin ends, and once the program has exited, copies what it left in the
 * terminal and prints its exit status as JSON on stderr.
 */
import { spawn } from 'node:child_process';
import { trackUntilEnded } from './leftover-processes.js';
import { setTimeout as pause } from 'node:timers/promises';

export const PYTHON = 'python3';

const DRIVER = String.raw`
import fcntl, json, os, pty, select, struct, sys, termios, time
cols, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, master = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
stdin = sys.stdin.fileno()
status = None
while True:
    watched = ([master] if master is not None else []) + ([stdin] if stdin is not None else [])
    ready = select.select(watched, [], [], 0.02)[0]
    if master is not None and master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if data:
            os.write(1, data)
        else:
            os.close(master)
            master = None
    if stdin is not None and stdin in ready:
        data = os.read(stdin, 1024)
        if data and master is not None:
            os.write(master, data)
        elif not data:
            stdin = None
            if master is not None:
                os.close(master)
                master = None
    if status is None:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            status = None
    if status is not None:
        break
# What the program wrote just before it exited may still be in the terminal: read it to the end
# (EIO once nothing holds the terminal open), or until it stays quiet, or for 10 s at most, if a
# process it left holds it.
drain_until = time.monotonic() + 10
while master is not None and time.monotonic() < drain_until and select.select([master], [], [], 0.2)[0]:
    try:
        data = os.read(master, 65536)
    except OSError:
        data = b''
    if not data:
        break
    os.write(1, data)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
sys.stderr.write('\n' + json.dumps({'code': code, 'signal': signal}) + '\n')
`;

/** Colours, cursor movement and other escape sequences a terminal interprets. */
const ESCAPES = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007]*\u0007|[()][0-9A-B]|[=>78])/g;

export interface TerminalExit {
  code: number | null;
  /** The number of the signal that ended the program, or null. */
  signal: number | null;
  /** Everything the terminal showed, escape sequences removed. */
  screen: string;
}

export interface TerminalSession {
  /** Everything shown so far, escape sequences and carriage returns removed. */
  screen(): string;
  /** Polls the screen until it matches `pattern`; fails when the program ends first. */
  waitFor(pattern: RegExp, what?: string): Promise<RegExpExecArray>;
  /** Types on the terminal's keyboard: `\x03` is Ctrl-C, `\x1c` is Ctrl-\. */
  type(keys: string): void;
  /** Closes the terminal: the program gets SIGHUP, as when an SSH session drops. */
  hangUp(): void;
  readonly exited: Promise<TerminalExit>;
}

export interface TerminalOptions {
  cwd: string;
  /** The whole environment of the program. */
  env: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
}

/** A generous bound for a loaded machine: only a program that never shows the marker takes it. */
const WAIT_LIMIT_MS = 60_000;
const POLL_MS = 20;

export function startOnTerminal(argv: readonly string[], options: TerminalOptions): TerminalSession {
  const driver = spawn(PYTHON, ['-c', DRIVER, String(options.cols ?? 120), String(options.rows ?? 40), ...argv], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let driverErrors = '';
  let ended = false;
  // typing after the program ended (a test's clean-up) has nobody to read it
  driver.stdin.on('error', () => undefined);
  driver.stdout.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
  driver.stderr.setEncoding('utf8').on('data', (chunk: string) => (driverErrors += chunk));
  const screen = () => raw.replace(ESCAPES, '').replaceAll('\r', '');
  const exited = new Promise<TerminalExit>((resolve, reject) => {
    driver.on('error', reject);
    driver.on('close', () => {
      ended = true;
      const status = driverErrors.trim().split('\n').at(-1) ?? '';
      try {
        const { code, signal } = JSON.parse(status) as { code: number | null; signal: number | null };
        resolve({ code, signal, screen: screen() });
      } catch {
        reject(new Error(`the terminal driver failed:\n${driverErrors}`));
      }
    });
  });
  // hung up, a program a test left running records that and ends
  trackUntilEnded(async () => {
    driver.stdin.end();
    await exited.catch(() => undefined);
  }, exited);
  return {
    screen,
    async waitFor(pattern, what = String(pattern)) {
      const deadline = Date.now() + WAIT_LIMIT_MS;
      for (;;) {
        const match = pattern.exec(screen());
        if (match) return match;
        if (ended) throw new Error(`the program ended before the terminal showed ${what}:\n${screen()}`);
        if (Date.now() > deadline) throw new Error(`the terminal never showed ${what}:\n${screen()}`);
        await pause(POLL_MS);
      }
    },
    type: (keys) => void driver.stdin.write(keys),
    hangUp: () => void driver.stdin.end(),
    exited,
  };
}
