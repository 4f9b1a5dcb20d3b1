import { PlainReporter } from '../report/plain-reporter.js';
import { colorWanted, isDumbTerminal } from '../report/paint.js';
import type { Reporter } from '../report/reporter.js';

/** listr2 on a terminal; plain lines for pipes, CI, a dumb terminal and when stdout carries JSON. */
export async function chooseReporter(json: boolean): Promise<Reporter> {
  const stream = json ? process.stderr : process.stdout;
  const color = colorWanted(stream, process.env);
  const live = stream.isTTY === true && !process.env.CI && !isDumbTerminal(process.env);
  if (live) {
    const { ListrReporter } = await import('../report/listr-reporter.js');
    return ListrReporter.create(stream, color, !json);
  }
  return new PlainReporter(stream, color, !json);
}
