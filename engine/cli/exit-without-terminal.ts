import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * At exit Node gives back the terminal settings of stdin, stdout and stderr, and aborts
 * (SIGABRT, a native stack trace) when the terminal is gone, as after a hang-up. A terminal
 * that no longer answers is let go of first: Node skips a descriptor it finds closed.
 */
export function exitWithoutTerminal(): void {
  const terminals = [0, 1, 2].filter((fd) => isatty(fd));
  if (terminals.length === 0) return;
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
