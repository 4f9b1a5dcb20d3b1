/**
 * A plan file never holds a secret param: on a terminal, `apply` asks for it again without echo,
 * through a real pseudo-terminal, and the typed value is what the reviewed plan's steps get.
 */
import { describe, expect, it } from 'vitest';
import { CLI, CLI_TESTS_TIMEOUT_MS } from '../support/cli.js';
import { startOnTerminal } from '../support/terminal-session.js';
import { reviewedPlanBed, SECRET_OUTPUT, SECRET_PARAM } from './support/reviewed-plan-bed.js';

describe('apply on a terminal', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('asks for a secret param again, never shows it, and carries out the plan with it', async () => {
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STEPWISE_') && name !== 'CI'));
    const session = startOnTerminal([process.execPath, CLI, 'apply', 'plan.json', '--state-dir', bed.stateDir], { cwd: bed.dir, env: { ...env, TERM: 'xterm-256color' } });
    await session.waitFor(/secret parameter token \(never stored\):/, 'the question');
    session.type(`${SECRET_PARAM}\r`);
    const exit = await session.exited;
    expect(exit.code, exit.screen).toBe(0);
    expect(exit.screen).not.toContain(SECRET_PARAM);
    expect(bed.read('first.txt')).toBe(`hello v1 ${SECRET_PARAM} ${SECRET_OUTPUT}`);
  });
});
