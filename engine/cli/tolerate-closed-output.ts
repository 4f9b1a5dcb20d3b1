/**
 * A reader that goes away (`stepwise schema | head -1`) or a terminal that hangs up makes
 * writes to stdout or stderr fail (EPIPE, EIO), which Node would throw as an uncaught error,
 * with its stack trace. What is left to print has nobody to read it: it is dropped, and the
 * command goes on to its end, so that a run is recorded as usual and the exit code still says
 * how it ended.
 */
export function tolerateClosedOutput(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (!isReaderGone(error)) process.stderr.write(`stepwise: cannot write to stdout (${error.message}); the rest of the output is dropped\n`);
  });
  process.stderr.on('error', () => {
    // nowhere left to say it
  });
}

function isReaderGone(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'EIO' || error.code === 'ECONNRESET';
}
