import { appendFileSync, chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, journalFile, readJournalLines, runCli, runFolder, workspace, type CliResult } from '../support/cli.js';
import { readEffects } from './support/effects.js';
import { failedGatedRun } from './support/gated.js';

function expectRefusal(result: CliResult, message: string | RegExp): void {
  expect(result.code, result.printed).toBe(2);
  expect(result.stderr).toMatch(message);
  expectNoStackTrace(result.printed);
}

describe('a journal cut short by a crash', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it.each([
    ['half an event', '{"v":1,"seq":99,"type":"step-sta'],
    ['a whole event without its newline', '{"v":1,"seq":99,"type":"run-finished","status":"succeeded","outputs":null,"durationMs":1,"at":"2026-01-01T00:00:00.000Z"}'],
  ])('ignores a last line holding %s, says so, and stays resumable after the next attempt', async (_what, tail) => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    appendFileSync(journalFile(ws.stateDir, runId), tail);

    const stillFailing = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
    expect(stillFailing.code, stillFailing.printed).toBe(1);
    expect(stillFailing.stderr).toContain("the journal's last line was cut short by a crash and is ignored");
    expectNoStackTrace(stillFailing.printed);

    writeFileSync(ws.file('allow'), '');
    writeFileSync(ws.file('go'), '');
    const resumed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(resumed.stderr).not.toContain('cut short');
    const text = readFileSync(journalFile(ws.stateDir, runId), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const journal = readJournalLines(ws.stateDir, runId);
    expect(journal).toHaveLength(text.split('\n').length - 1);
    expect(journal.map((line) => line.seq)).toEqual(journal.map((_, index) => index + 1));
    expect(readEffects(env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one', 'last']);
  });
});

describe('damaged or unknown runs', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('resumes a run whose journal is empty (it stopped before its first event) from its first step', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    writeFileSync(journalFile(ws.stateDir, runId), '');
    writeFileSync(ws.file('allow'), '');
    writeFileSync(ws.file('go'), '');

    const resumed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expect(resumed.code, resumed.printed).toBe(0);
    expectNoStackTrace(resumed.printed);
    expect(readEffects(env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one', 'one', 'last']);
    expect(readJournalLines(ws.stateDir, runId).at(-1)).toMatchObject({ type: 'run-finished', status: 'succeeded', seq: 1 + 4 * 3 + 1 });
  });

  it('refuses a journal written by a newer stepwise, naming the line and what to do', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    const lines = readFileSync(journalFile(ws.stateDir, runId), 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"v":1', '"v":99');
    writeFileSync(journalFile(ws.stateDir, runId), lines.join('\n'));

    for (const args of [['resume', runId], ['show', runId]]) {
      const result = await runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
      expectRefusal(result, `journal.ndjson:3: the journal was written by a newer stepwise (journal format 99, this one reads 1); upgrade stepwise to resume it`);
    }
    expect(readEffects(env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one']);
  });

  it('refuses a journal with a damaged line before its last one', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    const lines = readFileSync(journalFile(ws.stateDir, runId), 'utf8').split('\n');
    lines[1] = lines[1]!.slice(0, 20);
    writeFileSync(journalFile(ws.stateDir, runId), lines.join('\n'));

    const resumed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expectRefusal(resumed, 'journal.ndjson:2: not a valid journal event (it is not JSON); the run is damaged');
  });

  it.each([
    ['a line removed', (lines: string[]) => lines.splice(2, 1), 'journal.ndjson:3: event 3 is missing: this one is event 4'],
    ['a line written twice', (lines: string[]) => lines.splice(2, 0, lines[1]!), 'journal.ndjson:3: holds event 2 again, where event 3 should be'],
    ['a sequence number that is not a number', (lines: string[]) => (lines[1] = lines[1]!.replace('"seq":2', '"seq":"x"')), 'journal.ndjson:2: not a valid journal event ("seq" is "x", not a sequence number)'],
    ['an unknown event type', (lines: string[]) => (lines[1] = lines[1]!.replace(/"type":"[^"]+"/, '"type":"step-exploded"')), 'journal.ndjson:2: not a valid journal event (unknown event type "step-exploded")'],
    ['a field of the wrong type', (lines: string[]) => (lines[1] = lines[1]!.replace(/"stepId":"[^"]+"/, '"stepId":7')), 'journal.ndjson:2: not a valid journal event (its "stepId" is 7, where a "step-started" event holds a string)'],
  ])('refuses a journal with %s, naming the line, in resume and show, and runs nothing', async (_what, damage, message) => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    const lines = readFileSync(journalFile(ws.stateDir, runId), 'utf8').split('\n');
    damage(lines);
    writeFileSync(journalFile(ws.stateDir, runId), lines.join('\n'));
    writeFileSync(ws.file('allow'), '');
    writeFileSync(ws.file('go'), '');

    for (const args of [['resume', runId], ['show', runId]]) {
      const result = await runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
      expectRefusal(result, `${message}; the run is damaged`);
    }
    expect(readEffects(env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one']);
  });

  it('refuses the run ids . and .., which would name the state folder and the runs folder', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    // a copy of the run where . and .. would find it
    for (const folder of [ws.stateDir, path.join(ws.stateDir, 'runs')]) {
      for (const file of ['run.json', 'journal.ndjson', 'runbook.snapshot.yaml']) copyFileSync(path.join(runFolder(ws.stateDir, runId), file), path.join(folder, file));
    }
    writeFileSync(ws.file('allow'), '');
    writeFileSync(ws.file('go'), '');

    for (const id of ['..', '.']) {
      for (const command of ['show', 'resume']) {
        const result = await runCli([command, '--state-dir', ws.stateDir, '--', id], { cwd: ws.dir, env });
        expectRefusal(result, `no run "${id}" in ${path.join(ws.stateDir, 'runs')}`);
      }
    }
    expect(readEffects(env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one']);
    expect(readdirSync(ws.stateDir).sort()).toEqual(['journal.ndjson', 'run.json', 'runbook.snapshot.yaml', 'runs']);
  });

  it.each([
    ['is not valid JSON', (file: string) => writeFileSync(file, '{"format": 1, "runId": "x", "runb')],
    ['is missing', (file: string) => rmSync(file)],
    ['is not a stepwise run record', (file: string) => writeFileSync(file, '{"hello": "world"}\n')],
  ])('refuses a run whose run.json %s, in resume and show', async (problem, damage) => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    damage(path.join(runFolder(ws.stateDir, runId), 'run.json'));

    for (const args of [['resume', runId], ['show', runId], ['show', runId, '--json']]) {
      const result = await runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
      expectRefusal(result, `run.json ${problem}`);
    }
  });

  it('still lists the other runs when one run folder is damaged', async () => {
    const ws = workspace();
    const { runId, runbook, env } = await failedGatedRun(ws);
    rmSync(path.join(runFolder(ws.stateDir, runId), 'run.json'));
    const second = await runCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
    expect(second.code).toBe(1);
    const secondId = /· run (\S+)/.exec(second.stdout)![1]!;

    const listed = await runCli(['runs', '--state-dir', ws.stateDir], { cwd: ws.dir });

    expectNoStackTrace(listed.printed);
    expect(listed.code, listed.printed).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${secondId} +gated +1\\.0\\.0 +failed`, 'm'));
    expect(listed.printed).toContain(runId);
  });

  it('answers an unknown run id with the closest one', async () => {
    const ws = workspace();
    const { runId, env } = await failedGatedRun(ws);
    const typo = `${runId.slice(0, -1)}x`;

    for (const command of ['resume', 'show']) {
      const result = await runCli([command, typo, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
      expectRefusal(result, `no run "${typo}" in ${path.join(ws.stateDir, 'runs')}; did you mean "${runId}"?`);
    }
    const nothingLike = await runCli(['resume', 'no-such-run', '--state-dir', ws.stateDir], { cwd: ws.dir, env });
    expectRefusal(nothingLike, '`stepwise runs` lists the runs');
  });
});

describe('a state folder that cannot be used', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  const RUNBOOK = 'apiVersion: stepwise/v1\nname: tiny\nversion: 1.0.0\nsteps:\n  - id: one\n    type: set\n    with: { values: { a: 1 } }\n';

  it('is refused with exit 2 and the reason, whether a file stands where a folder should be or the folder is read-only', async () => {
    const ws = workspace();
    const file = ws.write('tiny.yaml', RUNBOOK);
    const inTheWay = ws.write('not-a-folder', 'a file\n');
    const readOnly = ws.file('read-only');
    mkdirSync(readOnly, { mode: 0o500 });
    const asFile = await runCli(['run', file, '--state-dir', inTheWay], { cwd: ws.dir });
    const below = await runCli(['run', file, '--state-dir', path.join(inTheWay, 'deeper')], { cwd: ws.dir });
    const listed = await runCli(['runs', '--state-dir', inTheWay], { cwd: ws.dir });
    expectRefusal(asFile, /not-a-folder\/runs: cannot keep runs there: a part of the path is a file, not a folder/);
    expectRefusal(below, /cannot keep runs there: a part of the path is a file, not a folder/);
    expectRefusal(listed, /not-a-folder\/runs: cannot keep runs there/);
    // root writes to a 0500 folder all the same: only another user can see the refusal
    if (process.getuid?.() !== 0) {
      expectRefusal(await runCli(['run', file, '--state-dir', path.join(readOnly, 'state')], { cwd: ws.dir }), /cannot keep runs there: permission denied/);
    }
    chmodSync(readOnly, 0o700);
  });
});
