/**
 * discover-system through a proxy that throttles, fails, drops and slows down requests: it
 * must come to the same report as without faults, fail clearly when AWS never answers, and
 * finish on resume once AWS answers again.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FAILING_FAULTS, FAULT_KINDS, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedCodeBucket, seedDatomicSystem } from '../support/seed-datomic.js';
import { FAULT_SEED, STACK_TRACE, failedRequests, newStateDir, outputsOf, resumableRunId, runbookPath, stepwiseThrough } from './run-through-proxy.js';

const moto = useMoto();
const stateDir = newStateDir('discover');

describeMoto('discover-system under AWS faults', () => {
  let proxy: FaultProxy;
  let faultless: Record<string, unknown>;
  const discover = (...extra: string[]) =>
    stepwiseThrough(proxy, ['run', runbookPath('discover-system'), '-p', 'system=orders', '--state-dir', stateDir, ...extra]);

  beforeAll(async () => {
    await seedDatomicSystem(moto.url, { system: 'orders', topology: 'production', version: '973-9132', queryGroups: 1 });
    await seedDatomicSystem(moto.url, { system: 'inventory', topology: 'solo', version: '781-9041' });
    await seedCodeBucket(moto.url);
    proxy = await startFaultProxy({ target: moto.url, seed: FAULT_SEED, rate: 0 });
    faultless = outputsOf(await discover('--json'));
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('comes to the same report when the first request and a fifth of the others fail or lag', async () => {
    proxy.configure({ rate: 0.2, kinds: FAULT_KINDS });
    // the run makes only a few requests: a fifth of them alone may well be none
    proxy.failNext(['throttle']);
    proxy.clearRecords();
    const outputs = outputsOf(await discover('--json'));
    expect(outputs).toEqual(faultless);
    expect(failedRequests(proxy.records).length, 'the proxy failed no request: the test proved nothing').toBeGreaterThan(0);
  }, 60_000);

  it('fails with a clear message when every request fails, and resumes to the same report once AWS answers', async () => {
    proxy.configure({ rate: 1, kinds: FAILING_FAULTS });
    proxy.clearRecords();
    const failed = await discover();
    expect(failed.code).toBe(1);
    expect(failed.stderr).not.toMatch(STACK_TRACE);
    expect(failed.stderr).toMatch(/stepwise: step "stacks" failed: cloudformation:DescribeStacks in us-east-1: /);
    expect(failed.stderr).toMatch(/throttled the request \d+ times in a row|could not reach the endpoint|failed: (InternalFailure|ServiceUnavailable)/);
    expect(proxy.records.every((record) => record.outcome !== 'forwarded')).toBe(true);

    proxy.configure({ rate: 0 });
    const resumed = await stepwiseThrough(proxy, ['resume', resumableRunId(failed), '--json', '--state-dir', stateDir]);
    expect(outputsOf(resumed)).toEqual(faultless);
  }, 90_000);
});
