/** The CLI on a real pseudo-terminal made by util-linux's `script`, 120 columns wide. */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { CLI } from '../../support/cli.js';

export const SCRIPT = '/usr/bin/script';
export const haveScript = existsSync(SCRIPT);

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** The CLI with `args` on a 120-column terminal. */
function scriptArguments(args: string[]): string[] {
  return ['-qec', `stty cols 120; ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`, '/dev/null'];
}

/** Only `variables` decide colour, terminal type and params given by the environment. */
function terminalEnvironment(variables: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !['CI', 'NO_COLOR', 'FORCE_COLOR', 'TERM'].includes(name) && !name.startsWith('STEPWISE_'));
  return { ...Object.fromEntries(inherited), TERM: 'xterm-256color', ...variables };
}

/**
 * The raw bytes the terminal receives, escapes included (carriage returns dropped); `typed` is
 * what the operator types, waiting in the terminal until the CLI reads it.
 */
export async function rawScreen(args: string[], variables: Record<string, string> = {}, typed = ''): Promise<string> {
  const child = promisify(execFile)(SCRIPT, scriptArguments(args), { env: terminalEnvironment(variables) });
  child.child.stdin?.end(typed);
  const { stdout } = await child.catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return stdout.replaceAll('\r', '');
}

/**
 * Like rawScreen, but the operator types each answer only once its question is on the screen,
 * as a person would: what the terminal echoes (or not) is then the CLI's doing.
 */
export async function answeredScreen(args: string[], variables: Record<string, string>, answers: [question: string, typed: string][]): Promise<string> {
  const child = spawn(SCRIPT, scriptArguments(args), { env: terminalEnvironment(variables), stdio: ['pipe', 'pipe', 'inherit'] });
  let screen = '';
  const pending = [...answers];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
    const next = pending[0];
    if (next && screen.includes(next[0])) {
      pending.shift();
      child.stdin.write(next[1]);
    }
  });
  await new Promise((resolve) => child.on('close', resolve));
  child.stdin.destroy();
  return screen.replaceAll('\r', '');
}
