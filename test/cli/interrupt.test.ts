import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { outputMatching, runbookYaml, scratchFolder, startCli } from '../support/cli.js';

let scratch: Awaited<ReturnType<typeof scratchFolder>>;

beforeAll(async () => {
  scratch = await scratchFolder();
});

afterAll(() => scratch?.remove());

/** A process that is gone, or a zombie nobody reaped yet (PID 1 of a container may not reap). */
function isGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Polls `condition` for up to two seconds: signals take a moment to land. */
async function eventually(condition: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Far below the 30 s the steps would sleep, and generous for a loaded machine. */
const PROMPT_EXIT_SECONDS = 10;

describe.concurrent('Ctrl-C during a run', () => {
  it('stops a shell `sleep 30` step, kills its process and exits 130 at once, printing how to resume', async ({ expect }) => {
    const file = await scratch.write(
      'sleeps.yaml',
      runbookYaml('sleeps', `
steps:
  - id: nap
    type: shell
    with: { command: [sh, -c, 'echo "sleeping as $$"; exec sleep 30'], effect: read }
  - id: after
    type: shell
    with: { command: [echo, after the nap], effect: read }
`),
    );
    const cli = startCli(['run', file, '--state-dir', path.join(scratch.dir, 'state-shell')], { cwd: scratch.dir });
    const sleepPid = Number((await outputMatching(cli, /sleeping as (\d+)/))[1]);
    const interrupted = Date.now();
    cli.child.kill('SIGINT');
    const { code, signal, stdout, stderr } = await cli.done;

    expect(signal).toBeNull();
    expect(code).toBe(130);
    expect((Date.now() - interrupted) / 1000).toBeLessThan(PROMPT_EXIT_SECONDS);
    expect(isGone(sleepPid)).toBe(true);
    expect(stdout).not.toContain('after the nap');
    expect(stderr).toContain('SIGINT');
    expect(stderr).toMatch(/stepwise resume \d{8}-\d{6}-[0-9a-f]{4}/);
  });

  it('stops a `sleep` step of 30s and exits 130', async ({ expect }) => {
    const file = await scratch.write(
      'sleep-step.yaml',
      runbookYaml('sleep-step', `
steps:
  - id: ready
    type: shell
    with: { command: [echo, ready], effect: read }
  - id: nap
    type: sleep
    with: { duration: 30s }
`),
    );
    const cli = startCli(['run', file, '--state-dir', path.join(scratch.dir, 'state-sleep')], { cwd: scratch.dir });
    await outputMatching(cli, /✔ ready/);
    const interrupted = Date.now();
    cli.child.kill('SIGINT');
    const { code } = await cli.done;
    expect(code).toBe(130);
    expect((Date.now() - interrupted) / 1000).toBeLessThan(PROMPT_EXIT_SECONDS);
  });

  it('exits 130 at a second Ctrl-C while the step\'s processes are still stopping, leaving none behind', async ({ expect }) => {
    const file = await scratch.write(
      'stubborn.yaml',
      runbookYaml('stubborn', `
steps:
  - id: stubborn
    type: shell
    with: { command: [sh, -c, 'trap "" TERM INT; echo "ignoring signals as $$"; sleep 30'], effect: read }
`),
    );
    const cli = startCli(['run', file, '--state-dir', path.join(scratch.dir, 'state-stubborn')], { cwd: scratch.dir });
    const shellPid = Number((await outputMatching(cli, /ignoring signals as (\d+)/))[1]);
    cli.child.kill('SIGINT');
    // the shell, deaf to SIGTERM, waits out its grace period: the run waits for it before it ends
    await outputMatching(cli, /stopping the step in flight/, 'stderr');
    const interrupted = Date.now();
    cli.child.kill('SIGINT');
    const { code, signal } = await cli.done;
    const gone = await eventually(() => isGone(shellPid));
    if (!gone) process.kill(-shellPid, 'SIGKILL');
    expect({ code, signal }).toEqual({ code: 130, signal: null });
    expect((Date.now() - interrupted) / 1000).toBeLessThan(PROMPT_EXIT_SECONDS);
    expect(gone, `the step's shell (pid ${shellPid}) outlived stepwise`).toBe(true);
  });
});
