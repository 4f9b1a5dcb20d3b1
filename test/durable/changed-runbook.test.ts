import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, runCli, workspace } from '../support/cli.js';
import { effectStep, readEffects } from './support/effects.js';
import { failedGatedRun, gatedRunbook } from './support/gated.js';

describe('resuming after the runbook changed', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('refuses and says what changed, then follows the changed runbook with --allow-changed', async () => {
    const ws = workspace();
    const { runId, runbook, env } = await failedGatedRun(ws);
    writeFileSync(ws.file('allow'), '');
    writeFileSync(ws.file('go'), '');
    const changed = gatedRunbook('1.1.0', effectStep('extra', '0')).replace(effectStep('last', '0'), effectStep('last', '0', 'changed'));
    writeFileSync(runbook, changed);

    const refused = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expect(refused.code, refused.printed).toBe(2);
    expectNoStackTrace(refused.printed);
    expect(refused.stderr).toContain(`the runbook ${runbook} changed since run ${runId} started:`);
    expect(refused.stderr).toContain('version 1.0.0 → 1.1.0');
    expect(refused.stderr).toContain('steps added: extra');
    expect(refused.stderr).toContain('steps changed: last');
    expect(refused.stderr).not.toMatch(/steps changed: .*(one|gate|hold)/);
    expect(refused.stderr).toContain('--allow-changed');
    expect(readEffects(env.EFFECTS_FILE).map((effect) => effect.label), 'nothing ran').toEqual(['one']);

    const allowed = await runCli(['resume', runId, '--allow-changed', '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expect(allowed.code, allowed.printed).toBe(0);
    expect(allowed.stderr).toContain('resuming anyway (--allow-changed)');
    expect(readEffects(env.EFFECTS_FILE).map((effect) => `${effect.label}${effect.payload ? `:${effect.payload}` : ''}`)).toEqual(['one', 'last:changed', 'extra']);
  });

  it('names the steps that were removed', async () => {
    const ws = workspace();
    const { runId, runbook, env } = await failedGatedRun(ws);
    writeFileSync(runbook, readFileSync(runbook, 'utf8').replace(/ {2}- id: hold\n(?: {4}.*\n)+/, ''));

    const refused = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expect(refused.code, refused.printed).toBe(2);
    expect(refused.stderr).toContain('steps removed: hold');
  });

  it('still refuses a change to nothing but comments, and says that is all that changed', async () => {
    const ws = workspace();
    const { runId, runbook, env } = await failedGatedRun(ws);
    writeFileSync(runbook, `# reviewed by the on-call lead\n${readFileSync(runbook, 'utf8')}`);

    const refused = await runCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir, env });

    expect(refused.code, refused.printed).toBe(2);
    expect(refused.stderr).not.toMatch(/parameters, outputs or plugins differ/);
    expect(refused.stderr).toMatch(/comments or layout/);
  });
});
