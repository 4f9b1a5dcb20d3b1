import type { ParamSpec } from '../document/runbook.js';
import { InterruptedError } from '../exit-codes.js';
import type { JsonObject } from '../json.js';
import { isRequired } from '../params/param-schema.js';
import { paramEnvName } from '../params/resolve-params.js';
import { isCtrlCAtPrompt } from '../report/ctrl-c-at-prompt.js';
import { isDumbTerminal } from '../report/paint.js';
import { readHiddenLine } from './read-hidden-line.js';

/**
 * On a terminal, each required secret param that neither -p nor the environment gives is asked
 * for, typed without echo: a secret never needs to be on a command line, where the shell's
 * history would keep it. The question goes to stderr, so that `--json` keeps stdout clean; on
 * a dumb terminal it is one plain line.
 */
export async function askMissingSecrets(specs: Record<string, ParamSpec> | undefined, given: Record<string, string>, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return {};
  const missing = Object.entries(specs ?? {}).filter(([name, spec]) => spec.secret && isRequired(spec as JsonObject) && given[name] === undefined && env[paramEnvName(name)] === undefined);
  if (missing.length === 0) return {};
  const typed: Record<string, string> = {};
  for (const [name, spec] of missing) {
    try {
      typed[name] = await askParam(spec, `secret parameter ${name}${spec.description ? ` (${spec.description})` : ''}, never stored:`, env);
    } catch (error) {
      // Ctrl-C at the question: an interruption before anything ran, not a failure
      if (isCtrlCAtPrompt(error)) throw new InterruptedError(`interrupted at the question for the secret parameter ${name}; nothing was run`);
      throw error;
    }
  }
  return typed;
}

/**
 * One param asked on the terminal, on stderr so that `--json` keeps stdout clean; a secret is
 * typed without echo, on a dumb terminal as one plain line.
 */
export async function askParam(spec: ParamSpec, message: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (spec.secret && isDumbTerminal(env)) return readHiddenLine(message, process.stderr);
  const { input, password } = await import('@inquirer/prompts');
  return spec.secret ? password({ message, mask: '*' }, { output: process.stderr }) : input({ message }, { output: process.stderr });
}
