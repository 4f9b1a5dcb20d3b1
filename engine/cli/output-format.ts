import { UsageError } from '../exit-codes.js';

export type OutputFormat = 'text' | 'markdown';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'markdown'];

/** Whether stdout carries a Markdown page; `--json` is another document for stdout, so both cannot be had at once. */
export function wantsMarkdown(options: { format?: OutputFormat; json?: boolean }): boolean {
  if (options.format !== 'markdown') return false;
  if (options.json) throw new UsageError('--format markdown and --json both print a document on stdout: give one of them');
  return true;
}
