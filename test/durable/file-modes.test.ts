import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, onlyRunId, runCli, runFolder, startCli, waitFor, workspace } from '../support/cli.js';
import { EFFECT_SCRIPT } from './support/effects.js';
import { gatedRunbook, WAIT_SCRIPT } from './support/gated.js';

function modeOf(file: string): string {
  return (statSync(file).mode & 0o777).toString(8).padStart(4, '0');
}

function modesIn(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(folder).map((name) => [name, modeOf(path.join(folder, name))]));
}

describe('file modes', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('keeps the runs folder and each run folder 0700 and every file 0600, even under umask 000', async () => {
    const ws = workspace();
    const runbook = ws.write('gated.yaml', gatedRunbook());
    ws.write('effect.sh', EFFECT_SCRIPT);
    ws.write('wait-for.sh', WAIT_SCRIPT);
    writeFileSync(ws.file('allow'), '');
    const env = { EFFECTS_FILE: ws.file('effects.log') };

    const running = startCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir, env, umask: '000' });
    await waitFor('the run to reach the hold step', () => running.output().includes('✔ gate'));
    expect(modeOf(env.EFFECTS_FILE), 'the umask reached the run: a step\'s own file is world-writable').toBe('0666');
    const folder = runFolder(ws.stateDir, onlyRunId(ws.stateDir));
    expect(modeOf(path.join(ws.stateDir, 'runs'))).toBe('0700');
    expect(modeOf(folder)).toBe('0700');
    expect(modesIn(folder)).toEqual({ 'journal.ndjson': '0600', lock: '0600', 'run.json': '0600', 'runbook.parsed.json': '0600', 'runbook.snapshot.yaml': '0600' });
    writeFileSync(ws.file('go'), '');
    expect((await running.done).code).toBe(0);

    const again = await runCli(['resume', onlyRunId(ws.stateDir), '--from', 'gate', '--state-dir', ws.stateDir], { cwd: ws.dir, env, umask: '000' });
    expect(again.code, again.printed).toBe(0);
    expect(modeOf(folder)).toBe('0700');
    expect(modesIn(folder)).toEqual({ 'journal.ndjson': '0600', 'run.json': '0600', 'runbook.parsed.json': '0600', 'runbook.snapshot.yaml': '0600' });
  });
});
