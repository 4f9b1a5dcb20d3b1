import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * A terminal that hangs up (an SSH session that drops) must not crash stepwise while it stops
 * the run. Node trips over a terminal that is gone in two places: a prompt gives the terminal
 * back its mode when its input ends, and Node gives back the terminal settings of stdin,
 * stdout and stderr at exit; both fail with EIO, the first as an uncaught error, the second
 * as an abort with a native stack trace.
 */
export function outliveTerminal(): void {
  const terminals = [0, 1, 2].filter((fd) => isatty(fd));
  if (terminals.length === 0) return;
  if (terminals.includes(0)) keepModeChangesOffAGoneTerminal(process.stdin as NodeJS.ReadStream & { setRawMode(mode: boolean): unknown });
  // Node skips a descriptor it finds closed.
  process.on('exit', () => {
    for (const fd of terminals) {
      if (isatty(fd)) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  });
}

/** Once the terminal is gone there is no mode to change, and nothing to report. */
function keepModeChangesOffAGoneTerminal(stdin: NodeJS.ReadStream & { setRawMode(mode: boolean): unknown }): void {
  const setRawMode = stdin.setRawMode.bind(stdin);
  stdin.setRawMode = (mode: boolean) => (isatty(0) ? setRawMode(mode) : stdin);
}
