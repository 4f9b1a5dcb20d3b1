/**
 * A disk that fills up during a run: the state folder is on a small tmpfs of its own, which a
 * step fills. The run stops with a message naming the journal and exit 4, its journal holds only
 * whole lines, and once space is freed the run resumes to its end.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, journalFile, onlyRunId, readJournalLines, runCli, workspace } from '../support/cli.js';

/** Mounting needs root (or a user namespace): where it is refused the test says why it is skipped. */
function mountSmallDisk(): { dir: string } | { skipped: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepwise-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmdirSync(dir);
    return { skipped: `cannot mount a tmpfs to fill (${(error as Error).message.split('\n')[0]})` };
  }
}

const disk = mountSmallDisk();

afterAll(() => {
  if (!('dir' in disk)) return;
  execFileSync('umount', [disk.dir]);
  rmdirSync(disk.dir);
});

describe.skipIf('skipped' in disk)(`a full disk${'skipped' in disk ? ` (skipped: ${disk.skipped})` : ''}`, { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('stops the run with a message naming the journal, exit 4, no torn line, and the run resumes once space is freed', async () => {
    const { dir: smallDisk } = disk as { dir: string };
    const ws = workspace();
    const stateDir = path.join(smallDisk, 'state');
    const filler = path.join(smallDisk, 'filler');
    // `fill` fills the disk once, then prints more than the journal's last page can still take:
    // its event is cut short by the full disk in the middle of its line.
    const runbook = ws.write(
      'fills.yaml',
      `apiVersion: stepwise/v1
name: fills
version: 1.0.0
steps:
  - id: fill
    type: shell
    with:
      command: [sh, -c, 'if [ ! -e filled-once ]; then : > filled-once; cat /dev/zero > "${filler}" 2>/dev/null; fi; head -c 6000 /dev/zero | tr "\\\\0" x']
      effect: read
  - id: after
    type: shell
    with: { command: [sh, -c, 'echo after >> after.log'], effect: read }
`,
    );

    const full = await runCli(['run', runbook, '--state-dir', stateDir], { cwd: ws.dir });

    const runId = onlyRunId(stateDir);
    const journal = journalFile(stateDir, runId);
    expectNoStackTrace(full.printed);
    expect(full.code, full.printed).toBe(4);
    expect(full.stderr).toContain(`stepwise: cannot write ${journal}: no space left on the device (ENOSPC); the run stopped there`);
    expect(full.stderr).toContain(`stepwise: to resume: stepwise resume ${runId} --state-dir ${stateDir}`);
    expect(readFileSync(journal, 'utf8').endsWith('\n'), 'the journal ends in a torn line').toBe(true);
    expect(readJournalLines(stateDir, runId).map((line) => line.type)).toEqual(['run-started', 'step-started']);
    expect(ws.read('filled-once')).toBe('');

    rmSync(filler);
    const resumed = await runCli(['resume', runId, '--state-dir', stateDir], { cwd: ws.dir });

    expect(resumed.code, resumed.printed).toBe(0);
    expect(ws.read('after.log')).toBe('after\n');
    expect(readJournalLines(stateDir, runId).at(-1)).toMatchObject({ type: 'run-finished', status: 'succeeded' });
  });

  it('refuses to start a run on a full disk, naming the folder, exit 4, leaving no half-made run', async () => {
    const { dir: smallDisk } = disk as { dir: string };
    const ws = workspace();
    const stateDir = path.join(smallDisk, 'state-full');
    const filler = path.join(smallDisk, 'filler-2');
    const runbook = ws.write(
      'plain.yaml',
      `apiVersion: stepwise/v1
name: plain
version: 1.0.0
steps:
  - id: one
    type: shell
    with: { command: [echo, one], effect: read }
`,
    );
    mkdirSync(path.join(stateDir, 'runs'), { recursive: true });
    execFileSync('sh', ['-c', `cat /dev/zero > "${filler}" 2>/dev/null; true`]);
    try {
      const full = await runCli(['run', runbook, '--state-dir', stateDir], { cwd: ws.dir });
      expectNoStackTrace(full.printed);
      expect(full.code, full.printed).toBe(4);
      expect(full.stderr).toMatch(new RegExp(`stepwise: cannot write ${stateDir}/runs/[^:]+: no space left on the device \\(ENOSPC\\)`));
      expect(readdirSync(path.join(stateDir, 'runs'))).toEqual([]);
    } finally {
      rmSync(filler);
    }
  });
});
