import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLocalDecisions, recordLocalDecision } from '../../engine/state/local-decisions.js';

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function runFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'stepwise-decisions-'));
  folders.push(folder);
  return folder;
}

describe('decisions in a local run folder', () => {
  it('keeps one decision per person and approval, the first', () => {
    const folder = runFolder();
    const bob = { stepId: 'parent/gate', by: 'arn:aws:iam::1:user/bob', decision: 'approve' as const, decidedAt: '2026-01-01T00:00:01.000Z' };
    expect(recordLocalDecision(folder, bob)).toBe(true);
    expect(recordLocalDecision(folder, { ...bob, decision: 'reject', reason: 'changed my mind' })).toBe(false);
    expect(recordLocalDecision(folder, { ...bob, round: 1, decidedAt: '2026-01-01T00:00:02.000Z' })).toBe(true);
    expect(readLocalDecisions(folder, () => {})).toEqual([bob, { ...bob, round: 1, decidedAt: '2026-01-01T00:00:02.000Z' }]);
  });

  it('skips a file that is not a decision, with a warning', () => {
    const folder = runFolder();
    mkdirSync(path.join(folder, 'decisions', 'gate'), { recursive: true });
    writeFileSync(path.join(folder, 'decisions', 'gate', 'x.json'), '{"stepId":"gate","by":"x","decision":"maybe"}');
    const warnings: string[] = [];
    expect(readLocalDecisions(folder, (message) => warnings.push(message))).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('is not a decision stepwise wrote')]);
  });
});
