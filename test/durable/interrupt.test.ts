import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, onlyRunId, processIsGone, readJournalLines, runCli, startCli, waitFor, workspace, type Workspace } from '../support/cli.js';
import { EFFECT_SCRIPT, effectStep, readEffects } from './support/effects.js';

/**
 * The long step makes its effect, starts a grandchild and waits for it, writing both pids;
 * the second time it runs it finishes at once. `ignoring-term` makes it and its grandchild
 * ignore SIGTERM, so that stopping it takes the engine's whole grace period.
 */
const LONG_SCRIPT = `sh effect.sh long 0 > /dev/null
if [ -e ran-before ]; then exit 0; fi
: > ran-before
[ "$1" = ignoring-term ] && trap '' TERM
sleep 30 &
echo $! > grandchild.pid
echo $$ > child.pid
wait
`;

function interruptible(ws: Workspace, longArgument = ''): string {
  ws.write('effect.sh', EFFECT_SCRIPT);
  ws.write('long.sh', LONG_SCRIPT);
  return ws.write(
    'interruptible.yaml',
    `apiVersion: stepwise/v1
name: interruptible
version: 1.0.0
steps:
${effectStep('one', '0')}  - id: long
    type: shell
    with: { command: [sh, long.sh, "${longArgument}"] }
${effectStep('after', '0')}`,
  );
}

function pidIn(ws: Workspace, name: string): number | undefined {
  const text = existsSync(ws.file(name)) ? readFileSync(ws.file(name), 'utf8').trim() : '';
  return text === '' ? undefined : Number(text);
}

async function startedLongStep(ws: Workspace, runbook: string, env: Record<string, string>) {
  const cli = startCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
  const child = await waitFor('the long step to start its child', () => pidIn(ws, 'child.pid'));
  const grandchild = await waitFor('the long step to start its grandchild', () => pidIn(ws, 'grandchild.pid'));
  // The step runs in a process group of its own (led by its child): never leave it behind, whatever the test found.
  onTestFinished(() => {
    try {
      process.kill(-child, 'SIGKILL');
    } catch {
      return;
    }
  });
  return { cli, child, grandchild };
}

describe('Ctrl-C', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('stops the step in flight, kills what it started, records the interruption and resumes it', async () => {
    const ws = workspace();
    const runbook = interruptible(ws);
    const env = { EFFECTS_FILE: ws.file('effects.log') };
    const { cli, child, grandchild } = await startedLongStep(ws, runbook, env);

    const sentAt = Date.now();
    cli.child.kill('SIGINT');
    const interrupted = await cli.done;
    const stoppedInMs = Date.now() - sentAt;

    expect(interrupted.code, interrupted.printed).toBe(130);
    // Below the 5 s the engine gives a process group that ignores SIGTERM (and far below the 30 s
    // sleep): this step stops on SIGTERM, so waiting out the grace would be a defect. The margin
    // is wide so that a busy machine does not fail it.
    expect(stoppedInMs).toBeLessThan(4_500);
    expect(processIsGone(child), 'the step\'s child').toBe(true);
    expect(processIsGone(grandchild), 'the step\'s grandchild').toBe(true);
    const runId = onlyRunId(ws.stateDir);
    expect(interrupted.stderr).toContain(`stepwise: to resume: stepwise resume ${runId} --state-dir ${ws.stateDir}`);
    const journal = readJournalLines(ws.stateDir, runId);
    expect(journal.find((line) => line.type === 'step-failed')).toMatchObject({ stepId: 'long', error: { code: 'interrupted' } });
    expect(journal.at(-1)).toMatchObject({ type: 'run-finished', status: 'interrupted' });

    const unconfirmed = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
    expect(unconfirmed.code, unconfirmed.printed).toBe(3);
    expect(unconfirmed.stderr).toContain('step "long" was running when the run stopped and may already have made its change');
    expect(unconfirmed.stderr).toContain('--yes');

    const resumed = await runCli(['resume', runId, '--yes', '--state-dir', ws.stateDir], { cwd: ws.dir, env });
    expect(resumed.code, resumed.printed).toBe(0);
    expect(readEffects(env.EFFECTS_FILE).map((effect) => effect.label)).toEqual(['one', 'long', 'long', 'after']);
  });

  it('exits at once on a second Ctrl-C, killing the step that has not stopped yet', async () => {
    const ws = workspace();
    const runbook = interruptible(ws, 'ignoring-term');
    const { cli, child, grandchild } = await startedLongStep(ws, runbook, { EFFECTS_FILE: ws.file('effects.log') });

    cli.child.kill('SIGINT');
    await waitFor('the first Ctrl-C to be acknowledged', () => cli.output().includes('SIGINT received: stopping the step in flight (again to exit at once)'));
    expect(processIsGone(child), 'the step ignores SIGTERM, so it is still running').toBe(false);
    const sentAt = Date.now();
    cli.child.kill('SIGINT');
    const exited = await cli.done;

    expect(exited.code, exited.printed).toBe(130);
    // Waiting out the 5 s grace for a process that ignores SIGTERM is what a second Ctrl-C skips.
    expect(Date.now() - sentAt).toBeLessThan(4_500);
    await waitFor('the step\'s child to be killed', () => processIsGone(child));
    await waitFor('the step\'s grandchild to be killed', () => processIsGone(grandchild));
  });
});
