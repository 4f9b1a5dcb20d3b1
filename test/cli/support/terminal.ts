/** The CLI on a real pseudo-terminal made by util-linux's `script`, 120 columns wide. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { CLI } from './cli.js';

export const SCRIPT = '/usr/bin/script';
export const haveScript = existsSync(SCRIPT);

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The raw bytes the terminal receives, escapes included (carriage returns dropped), with only
 * `variables` deciding colour and terminal type; `typed` is what the operator types, waiting in
 * the terminal until the CLI reads it.
 */
export async function rawScreen(args: string[], variables: Record<string, string> = {}, typed = ''): Promise<string> {
  const command = `stty cols 120; ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`;
  const inherited = Object.entries(process.env).filter(([name]) => !['CI', 'NO_COLOR', 'FORCE_COLOR', 'TERM'].includes(name) && !name.startsWith('STEPWISE_'));
  const env = { ...Object.fromEntries(inherited), TERM: 'xterm-256color', ...variables };
  const child = promisify(execFile)(SCRIPT, ['-qec', command, '/dev/null'], { env });
  child.child.stdin?.end(typed);
  const { stdout } = await child.catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return stdout.replaceAll('\r', '');
}
