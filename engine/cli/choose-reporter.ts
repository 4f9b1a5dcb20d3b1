import { PlainReporter } from '../report/plain-reporter.js';
import { colorWanted, isDumbTerminal } from '../report/paint.js';
import type { Reporter } from '../report/reporter.js';

/**
 * listr2 on a terminal; plain lines for pipes, CI, a dumb terminal and when stdout carries a
 * document (JSON, a Markdown page): listr2 draws on stdout whatever stream it is given, so
 * progress on stderr is plain lines.
 */
export async function chooseReporter(documentOnStdout: boolean): Promise<Reporter> {
  const stream = documentOnStdout ? process.stderr : process.stdout;
  const color = colorWanted(stream, process.env);
  const live = !documentOnStdout && stream.isTTY === true && !process.env.CI && !isDumbTerminal(process.env);
  if (live) {
    const { ListrReporter } = await import('../report/listr-reporter.js');
    return ListrReporter.create(stream, color);
  }
  return new PlainReporter(stream, color, !documentOnStdout);
}
