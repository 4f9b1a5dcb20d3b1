/**
 * When the journal's lines reach the disk: fdatasync is watched, and each call notes how many
 * lines the file held then, which are the lines that call made durable.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../engine/execute/events.js';
import { Journal } from '../../engine/state/journal.js';

const watched = vi.hoisted(() => ({ file: '', linesAtSync: [] as number[] }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fdatasyncSync = (fd: number): void => {
    fs.fdatasyncSync(fd);
    if (watched.file !== '') watched.linesAtSync.push(fs.readFileSync(watched.file, 'utf8').split('\n').length - 1);
  };
  return { ...fs, default: { ...fs, fdatasyncSync }, fdatasyncSync };
});

const at = '2026-01-01T00:00:00.000Z';
const runStarted: RunEvent = { type: 'run-started', runId: 'r', runbook: 'b', version: '1.0.0', dryRun: false, at };
const started = (stepId: string): RunEvent => ({ type: 'step-started', stepId, title: stepId, attempt: 1, effect: 'write', rerunSafe: false, at });
const succeeded = (stepId: string): RunEvent => ({ type: 'step-succeeded', stepId, outputs: null, durationMs: 1, at });
const finished = (stepId: string): RunEvent => ({ type: 'step-finished', stepId, status: 'succeeded', outputs: null, durationMs: 1, at });
const skipped = (stepId: string): RunEvent => ({ type: 'step-skipped', stepId, title: stepId, reason: 'if is false', at });
const runFinished: RunEvent = { type: 'run-finished', status: 'succeeded', outputs: null, durationMs: 3, at };

let folder: string;
let journal: Journal;

beforeEach(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'stepwise-journal-'));
  journal = new Journal(path.join(folder, 'journal.ndjson'));
  journal.open();
  watched.file = journal.file;
  watched.linesAtSync = [];
});

afterEach(() => {
  watched.file = '';
  journal.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The lines on disk once `event` was recorded: those that the last fdatasync covered. */
function durableAfter(event: RunEvent): number {
  journal.onEvent(event);
  return watched.linesAtSync.at(-1) ?? 0;
}

describe('the journal on disk', () => {
  it('syncs before a step acts, with the success of the step before it: once a step, not once an event', () => {
    expect(durableAfter(runStarted)).toBe(1);
    expect(durableAfter(started('a'))).toBe(2);
    durableAfter(succeeded('a'));
    durableAfter(finished('a'));
    durableAfter(skipped('b'));
    // the next step may change something only once a's success and b's skip are on disk
    expect(durableAfter(started('c'))).toBe(6);
    durableAfter(succeeded('c'));
    durableAfter(finished('c'));
    expect(durableAfter(runFinished)).toBe(9);
    expect(watched.linesAtSync).toEqual([1, 2, 6, 9]);
  });

  it('writes every event at once, so that a process killed before the next sync loses none', () => {
    journal.onEvent(runStarted);
    journal.onEvent(started('a'));
    journal.onEvent(succeeded('a'));
    const lines = readFileSync(journal.file, 'utf8').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(['run-started', 'step-started', 'step-succeeded']);
  });

  it('syncs what is left when it is closed, as when the run ends on an error before its run-finished', () => {
    journal.onEvent(runStarted);
    journal.onEvent(started('a'));
    journal.onEvent(succeeded('a'));
    expect(watched.linesAtSync).toEqual([1, 2]);
    journal.close();
    expect(watched.linesAtSync).toEqual([1, 2, 3]);
  });
});
