import { expect } from 'vitest';
import { onlyRunId, runCli, type Workspace } from '../../support/cli.js';
import { EFFECT_SCRIPT, effectStep } from './effects.js';

/**
 * Waits for the file named by $1. It gives up when its own folder is gone (the test has ended,
 * perhaps failed, and removed it) or after a minute, so that no test leaves it behind.
 */
export const WAIT_SCRIPT = `waited=0
while [ ! -e "$1" ] && [ -e wait-for.sh ] && [ $waited -lt 3000 ]; do sleep 0.02; waited=$((waited + 1)); done
[ -e "$1" ]
`;

/** `gate` fails until the file `allow` exists; `hold` waits for the file `go`. */
export function gatedRunbook(version = '1.0.0', extraSteps = ''): string {
  return `apiVersion: stepwise/v1
name: gated
version: ${version}
steps:
${effectStep('one', '0')}  - id: gate
    type: shell
    with: { command: "test -e allow" }
  - id: hold
    type: shell
    with: { command: [sh, wait-for.sh, go] }
${effectStep('last', '0')}${extraSteps}`;
}

export interface GatedRun {
  runId: string;
  runbook: string;
  /** The environment the steps need: where they record their effects. */
  env: { EFFECTS_FILE: string };
}

/** A run of the gated runbook that failed at `gate`. */
export async function failedGatedRun(ws: Workspace): Promise<GatedRun> {
  const runbook = ws.write('gated.yaml', gatedRunbook());
  ws.write('effect.sh', EFFECT_SCRIPT);
  ws.write('wait-for.sh', WAIT_SCRIPT);
  const env = { EFFECTS_FILE: ws.file('effects.log') };
  const first = await runCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir, env });
  expect(first.code, first.printed).toBe(1);
  return { runId: onlyRunId(ws.stateDir), runbook, env };
}
