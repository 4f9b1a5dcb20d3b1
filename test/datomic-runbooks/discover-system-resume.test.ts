import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it, onTestFinished } from 'vitest';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedDatomicSystem } from '../support/seed-datomic.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/engine/cli.js');
const runbook = path.join(root, 'runbooks/datomic/discover-system.yaml');

async function stepwise(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: process.env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const moto = useMoto();

describeMoto('discover-system resumed after the operator fixed the world', () => {
  it('fails for a system that does not exist yet, and a resume after it was created finds it', { timeout: 180_000 }, async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'stepwise-discover-resume-'));
    onTestFinished(() => rmSync(stateDir, { recursive: true, force: true }));
    const failed = await stepwise('run', runbook, '-p', 'system=later', '--json', '--state-dir', stateDir);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain('there is no Datomic system named later in us-east-1; the systems there: none');
    const { runId } = JSON.parse(failed.stdout) as { runId: string };

    await seedDatomicSystem(moto.url, { system: 'later', topology: 'solo', version: '781-9041' });
    const resumed = await stepwise('resume', runId, '--json', '--state-dir', stateDir);

    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('read again (they only read, and ran after the last change or kept a secret): stacks');
    const report = (JSON.parse(resumed.stdout) as { outputs: { report: { system: string; topology: string } } }).outputs.report;
    expect(report).toMatchObject({ system: 'later', topology: 'solo' });
  });
});
