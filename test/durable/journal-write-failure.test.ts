/**
 * The journal on a device that is always full (/dev/full): every write fails with ENOSPC,
 * which needs no mount, so this runs wherever the tmpfs test of disk-full.test.ts cannot.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StateWriteError } from '../../engine/exit-codes.js';
import type { RunEvent } from '../../engine/execute/events.js';
import { Journal } from '../../engine/state/journal.js';

const FULL = '/dev/full';

const started: RunEvent = { type: 'run-started', runId: 'r', runbook: 'b', version: '1.0.0', dryRun: false, at: '2026-01-01T00:00:00.000Z' };

describe.skipIf(!existsSync(FULL))('a journal on a full disk', () => {
  it('fails with a StateWriteError naming the file and the cause, and fails every later event alike', () => {
    const journal = new Journal(FULL);
    journal.open();
    try {
      let first: unknown;
      try {
        journal.onEvent(started);
      } catch (error) {
        first = error;
      }
      expect(first).toBeInstanceOf(StateWriteError);
      expect((first as Error).message).toBe(`cannot write ${FULL}: no space left on the device (ENOSPC)`);
      expect(() => journal.onEvent({ ...started, runId: 'again' })).toThrow(first as Error);
    } finally {
      journal.close();
    }
  });
});
