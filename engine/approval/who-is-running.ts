import os from 'node:os';
import type { IdentitySource } from '../step-family.js';

/**
 * Who runs this process, as approvers are named: the first identity a step family can tell
 * (a cloud account's principal), else `user@host`.
 */
export async function whoIsRunning(sources: readonly IdentitySource[]): Promise<string> {
  for (const source of sources) {
    const identity = await source.identify();
    if (identity !== undefined) return identity;
  }
  return `${os.userInfo().username}@${os.hostname()}`;
}
