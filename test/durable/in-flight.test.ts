import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, onlyRunId, runCli, startCli, waitFor, workspace, type Workspace } from '../support/cli.js';
import { EFFECT_SCRIPT, effectStep, readEffects } from './support/effects.js';

/** A step that makes its effect, then stays in flight until the test kills the run. */
const SLOW_SECONDS = '5';

/** Starts a run, waits until the slow step made its effect, and kills the process: the step is in flight. */
async function killedInFlight(ws: Workspace, runbook: string, label: string): Promise<string> {
  const cli = startCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir, env: { EFFECTS_FILE: ws.file('effects.log') } });
  await waitFor(`the effect of ${label}`, () => readEffects(ws.file('effects.log')).some((effect) => effect.label === label));
  cli.child.kill('SIGKILL');
  await cli.done;
  return onlyRunId(ws.stateDir);
}

function resume(ws: Workspace, runId: string, extra: string[] = []) {
  // SLOW=0: the step that runs again takes no time; the killed one's sleep ends on its own.
  return runCli(['resume', runId, '--state-dir', ws.stateDir, ...extra], { cwd: ws.dir, env: { EFFECTS_FILE: ws.file('effects.log'), SLOW: '0' } });
}

describe('a write step in flight when the run was killed', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('inside a sub-runbook, is not run again without the operator\'s word', async () => {
    const ws = workspace();
    ws.write('effect.sh', EFFECT_SCRIPT.replace('[ "$2" = 0 ]', '[ "${SLOW:-$2}" = 0 ]'));
    ws.write('child.yaml', `apiVersion: stepwise/v1
name: child
version: 1.0.0
steps:
${effectStep('push', SLOW_SECONDS)}`);
    const parent = ws.write('parent.yaml', `apiVersion: stepwise/v1
name: parent
version: 1.0.0
steps:
${effectStep('before', '0')}  - id: deploy
    type: runbook
    with: { path: ./child.yaml }
`);
    const runId = await killedInFlight(ws, parent, 'push');

    const unconfirmed = await resume(ws, runId);
    expect(unconfirmed.code, unconfirmed.printed).toBe(3);
    expectNoStackTrace(unconfirmed.stderr);
    expect(unconfirmed.stderr).toContain('step "deploy/push" was running when the run stopped and may already have made its change; run it again?');
    expect(unconfirmed.stderr).toContain('resume with --yes to run it again');
    expect(readEffects(ws.file('effects.log')).map((effect) => effect.label)).toEqual(['before', 'push']);

    const confirmed = await resume(ws, runId, ['--yes']);
    expect(confirmed.code, confirmed.printed).toBe(0);
    expect(readEffects(ws.file('effects.log')).map((effect) => effect.label)).toEqual(['before', 'push', 'push']);
  });

  it('that says running it again does no harm, runs again without asking', async () => {
    const ws = workspace();
    ws.write('effect.sh', EFFECT_SCRIPT.replace('[ "$2" = 0 ]', '[ "${SLOW:-$2}" = 0 ]'));
    ws.write('steps.js', `import { execFileSync } from 'node:child_process';
export default {
  type: 'team.converge',
  description: 'Makes a change that is safe to make twice.',
  effect: 'write',
  idempotent: true,
  input: { type: 'object' },
  async run() {
    return execFileSync('sh', ['effect.sh', 'converge', '${SLOW_SECONDS}'], { encoding: 'utf8' });
  },
};
`);
    const runbook = ws.write('converge.yaml', `apiVersion: stepwise/v1
name: converge
version: 1.0.0
plugins: [./steps.js]
steps:
  - id: converge
    type: team.converge
`);
    const runId = await killedInFlight(ws, runbook, 'converge');

    const resumed = await resume(ws, runId);
    expect(resumed.code, resumed.printed).toBe(0);
    expect(resumed.stderr).not.toContain('was running when the run stopped');
    expect(readEffects(ws.file('effects.log')).map((effect) => effect.label)).toEqual(['converge', 'converge']);
  });
});
