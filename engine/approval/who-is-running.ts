import os from 'node:os';
import type { IdentitySource } from '../step-family.js';

/** Who runs this process, as approvers are named, how it was found, and a warning when credentials did not tell. */
export interface Identity {
  name: string;
  /** For a refusal: `the ARN of ...`, or why `user@host` stands in. */
  foundBy: string;
  /** Credentials were there but did not answer: `could not ask ... (cause): acting as ann@host`. */
  warning?: string;
}

/**
 * Who runs this process, as approvers are named: the first identity a step family can tell
 * (a cloud account's principal), else `user@host`.
 */
export async function whoIsRunning(sources: readonly IdentitySource[]): Promise<Identity> {
  const failures: string[] = [];
  for (const source of sources) {
    const answer = await source.identify();
    if (typeof answer === 'string') return { name: answer, foundBy: source.describe };
    if (answer !== undefined) failures.push(answer.failed);
  }
  const name = `${os.userInfo().username}@${os.hostname()}`;
  if (failures.length === 0) return { name, foundBy: `user@host: no credentials found for ${sources.map((source) => source.describe).join(', nor for ') || 'a cloud identity'}` };
  const why = failures.join('; ');
  return { name, foundBy: `user@host, since ${why}`, warning: `${why}: acting as ${name}` };
}
