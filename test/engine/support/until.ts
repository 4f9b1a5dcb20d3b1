import { setImmediate as nextMacrotask } from 'node:timers/promises';

/**
 * Lets pending promise chains run until `condition` holds. It waits on macrotask turns, not on
 * time, so it works the same under fake timers and never sleeps.
 */
export async function until(condition: () => boolean, what: string, maxTurns = 1_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await nextMacrotask();
  }
  throw new Error(`still waiting for ${what} after ${maxTurns} event-loop turns`);
}
