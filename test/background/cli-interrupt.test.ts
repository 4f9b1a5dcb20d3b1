import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type StartedCli } from '../support/cli.js';
import { expectGroupGone, liveMembersOf, pidsFrom, serverCommand, until, writeServerScript, type ServerBehaviour } from './support/processes.js';
import { runbookYaml } from './support/run.js';

let workDir: string;
let script: string;
const started: StartedCli[] = [];
const backgroundGroups: number[] = [];

beforeAll(async () => {
  workDir = await realpath(await mkdtemp(path.join(tmpdir(), 'stepwise-background-cli-')));
  script = await writeServerScript(workDir);
}, 120_000);
// a failed assertion must not leave a stepwise process, or what it started, running
afterEach(() => {
  for (const cli of started.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  for (const group of backgroundGroups.splice(0)) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/**
 * Runs `stepwise run` on a runbook that starts the server script in the background, then
 * sleeps for an hour; resolves once the background step has succeeded.
 */
async function runUntilSleeping(name: string, behaviour: ServerBehaviour, stopTimeout = '5s') {
  const pidFile = path.join(workDir, `${name}.json`);
  const file = path.join(workDir, `${name}.yaml`);
  await writeFile(
    file,
    runbookYaml([
      { id: 'proxy', type: 'background', with: { command: serverCommand(script, { ...behaviour, pidFile, readyLine: 'proxy ready' }), ready: { line: 'proxy ready' }, stopTimeout } },
      { id: 'wait', type: 'sleep', with: { duration: '1h' } },
    ]),
  );
  const cli = startCli(['run', file, '--state-dir', path.join(workDir, '.stepwise')], { cwd: workDir });
  started.push(cli);
  await until('the background step has succeeded', async () => /✔ proxy/.test(cli.output()) || cli.child.exitCode !== null, 30_000);
  expect(cli.child.exitCode, cli.output()).toBeNull();
  const { pid, childPid } = await pidsFrom(pidFile);
  backgroundGroups.push(pid);
  expect(await liveMembersOf(pid)).toEqual(expect.arrayContaining([pid, childPid]));
  return { cli, pid };
}

describe('background: the stepwise process is stopped', () => {
  it('on Ctrl-C (SIGINT): the run is interrupted and the background group is stopped', async () => {
    const { cli, pid } = await runUntilSleeping('sigint', { child: true });
    cli.child.kill('SIGINT');
    expect((await cli.done).code, cli.output()).toBe(130);
    expect(cli.output()).toContain('stepwise resume');
    await expectGroupGone(pid);
  });

  it('on SIGTERM: the same as a first Ctrl-C', async () => {
    const { cli, pid } = await runUntilSleeping('sigterm', { child: true });
    cli.child.kill('SIGTERM');
    expect((await cli.done).code, cli.output()).toBe(130);
    await expectGroupGone(pid);
  });

  it('on a second Ctrl-C while the stop waits for a group that ignores SIGTERM: the exit hook kills it', async () => {
    const termFile = path.join(workDir, 'second-sigint.term');
    // a stop timeout far longer than the test: only the exit hook can end the group in time
    const { cli, pid } = await runUntilSleeping('second-sigint', { child: true, ignoreTerm: true, termFile }, '10m');
    const first = Date.now();
    cli.child.kill('SIGINT');
    await until('the run-end stop has sent SIGTERM', async () => (await readFile(termFile, 'utf8').catch(() => undefined)) === 'SIGTERM');
    expect(cli.child.exitCode).toBeNull();
    cli.child.kill('SIGINT');
    expect((await cli.done).code, cli.output()).toBe(130);
    await expectGroupGone(pid);
    expect(Date.now() - first).toBeLessThan(60_000);
  });

  it('by SIGKILL, which no exit hook sees: the watchdog stops the background group', async () => {
    const { cli, pid } = await runUntilSleeping('sigkill', { child: true });
    cli.child.kill('SIGKILL');
    await cli.done;
    await expectGroupGone(pid);
  });

  it('leaves no watchdog behind when the run ends normally', async () => {
    const file = path.join(workDir, 'normal-end.yaml');
    const pidFile = path.join(workDir, 'normal-end.json');
    await writeFile(file, runbookYaml([{ id: 'proxy', type: 'background', with: { command: serverCommand(script, { pidFile, readyLine: 'proxy ready' }), ready: { line: 'proxy ready' }, stopTimeout: '5s' } }]));
    const cli = startCli(['run', file, '--state-dir', path.join(workDir, '.stepwise')], { cwd: workDir });
    started.push(cli);
    expect((await cli.done).code, cli.output()).toBe(0);
    const { pid } = await pidsFrom(pidFile);
    await expectGroupGone(pid);
    expect(await listWatchdogs(pid)).toEqual([]);
  });
});

describe('background: on resume', () => {
  it('starts the process again, since the run that started it stopped it, and the steps after it find it', async () => {
    const pidFile = path.join(workDir, 'resumed.json');
    const gate = path.join(workDir, 'resumed.go');
    const file = path.join(workDir, 'resumed.yaml');
    await writeFile(
      file,
      runbookYaml([
        { id: 'proxy', type: 'background', with: { command: serverCommand(script, { pidFile, readyLine: 'proxy ready' }), ready: { line: 'proxy ready' }, stopTimeout: '5s' } },
        // needs the process: fails until the gate exists, and then only if the process is alive
        { id: 'use', type: 'shell', with: { command: ['sh', '-c', `test -f ${gate} && kill -0 "$(sed 's/.*"pid":\\([0-9]*\\).*/\\1/' ${pidFile})"`], effect: 'read' } },
      ]),
    );
    const stateDir = path.join(workDir, '.stepwise-resume');
    const first = startCli(['run', file, '--state-dir', stateDir], { cwd: workDir });
    started.push(first);
    expect((await first.done).code, first.output()).toBe(1);
    const firstPid = (await pidsFrom(pidFile)).pid;
    backgroundGroups.push(firstPid);
    await expectGroupGone(firstPid);
    const runId = /stepwise resume (\S+)/.exec(first.output())![1]!;

    await rm(pidFile);
    await writeFile(gate, '');
    const resumed = startCli(['resume', runId, '--state-dir', stateDir], { cwd: workDir });
    started.push(resumed);
    expect((await resumed.done).code, resumed.output()).toBe(0);
    const secondPid = (await pidsFrom(pidFile)).pid;
    backgroundGroups.push(secondPid);
    expect(secondPid).not.toBe(firstPid);
    await expectGroupGone(secondPid);
  });
});

/** Live `sh -c` watchdogs of process group `groupId`: their command line names it. */
async function listWatchdogs(groupId: number): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const words = commandLine.split('\0');
    if (words[0] === 'sh' && words[2]?.startsWith('read -r _ignored') && words[3] === String(groupId)) found.push(entry);
  }
  return found;
}
