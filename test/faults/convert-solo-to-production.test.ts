/**
 * convert-solo-to-production through a proxy that throttles, fails, drops and slows down
 * requests. A faulted write never reaches moto (see fault-proxy.ts), so the SDK may send it
 * again. Each run converts a system of its own: a converted system is left alone on a re-run.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FAILING_FAULTS, FAULT_KINDS, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedDatomicSystems, type SeededSystem } from '../support/seed-datomic.js';
import { FAULT_SEED, STACK_TRACE, failedRequests, newStateDir, outputsOf, resumableRunId, runbookPath, stepwiseThrough } from './run-through-proxy.js';

const moto = useMoto();
const stateDir = newStateDir('convert');
const SYSTEMS = ['faultless', 'faulty', 'resumed', 'unanswered'] as const;

/** The outputs with what differs between systems by name only (stack names, instance ids) put in general terms. */
function comparable(outputs: Record<string, unknown>, system: string) {
  const { system: name, computeStack, nodes, ...rest } = outputs;
  return {
    ...rest,
    system: name === system ? 'SYSTEM' : name,
    computeStack: computeStack === `${system}-compute` ? 'SYSTEM-compute' : computeStack,
    nodes: Array.isArray(nodes) ? nodes.map((id) => (typeof id === 'string' && /^i-[0-9a-f]+$/.test(id) ? 'INSTANCE' : id)) : nodes,
  };
}

describeMoto('convert-solo-to-production under AWS faults', () => {
  let proxy: FaultProxy;
  let templateUrl: string;
  let faultless: ReturnType<typeof comparable>;
  const convert = (system: string, ...extra: string[]) =>
    stepwiseThrough(proxy, [
      'run', runbookPath('convert-solo-to-production'), '--yes', '--state-dir', stateDir,
      '-p', `system=${system}`, '-p', `templateUrl=${templateUrl}`, ...extra,
    ]);

  beforeAll(async () => {
    const seeded: SeededSystem[] = await seedDatomicSystems(moto.url, SYSTEMS.map((system) => ({ system, topology: 'solo', version: '781-9041' })));
    templateUrl = seeded[0]!.templateUrls['production-compute'];
    proxy = await startFaultProxy({ target: moto.url, seed: FAULT_SEED, rate: 0 });
    faultless = comparable(outputsOf(await convert('faultless', '--json')), 'faultless');
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('converts the same way without faults as the runbook means to', () => {
    expect(faultless).toEqual({ system: 'SYSTEM', computeStack: 'SYSTEM-compute', alreadyProduction: false, topology: 'production', nodes: ['INSTANCE', 'INSTANCE'] });
  });

  it('converts the same way when a fifth of the requests fail or lag, sending the update once', async () => {
    proxy.configure({ rate: 0.2, kinds: FAULT_KINDS });
    proxy.clearRecords();
    const outputs = comparable(outputsOf(await convert('faulty', '--json')), 'faulty');
    expect(outputs).toEqual(faultless);
    expect(failedRequests(proxy.records).length, 'the proxy failed no request: the test proved nothing').toBeGreaterThan(0);
    expect(proxy.records.filter((record) => record.operation === 'UpdateStack' && record.outcome === 'forwarded')).toHaveLength(1);
  }, 90_000);

  it('fails clearly when no request at all gets an answer, changing nothing, and resumes to the same result once AWS answers', async () => {
    proxy.configure({ rate: 1, kinds: FAILING_FAULTS });
    proxy.clearRecords();
    const failed = await convert('unanswered');
    expect(failed.code).toBe(1);
    expect(failed.stderr).not.toMatch(STACK_TRACE);
    expect(failed.stderr).toMatch(/stepwise: step "stacks" failed: cloudformation:DescribeStacks in us-east-1: /);
    expect(proxy.records.every((record) => record.outcome !== 'forwarded')).toBe(true);

    proxy.configure({ rate: 0 });
    proxy.clearRecords();
    const resumed = await stepwiseThrough(proxy, ['resume', resumableRunId(failed), '--yes', '--json', '--state-dir', stateDir]);
    expect(comparable(outputsOf(resumed), 'unanswered')).toEqual(faultless);
    expect(proxy.records.filter((record) => record.operation === 'UpdateStack' && record.outcome === 'forwarded')).toHaveLength(1);
  }, 90_000);

  it('fails clearly when AWS stops answering while it waits for the update, and resumes to the same result without a second update', async () => {
    proxy.clearRecords();
    const updateSent = () => proxy.records.some((record) => record.operation === 'UpdateStack' && record.outcome === 'forwarded');
    proxy.configure({ rate: 1, kinds: FAILING_FAULTS, only: (request) => request.operation === 'DescribeStackEvents' && updateSent() });
    const failed = await convert('resumed');
    expect(failed.code).toBe(1);
    expect(failed.stderr).not.toMatch(STACK_TRACE);
    expect(failed.stderr).toMatch(/stepwise: step "wait" failed: cloudformation:DescribeStackEvents in us-east-1/);

    proxy.configure({ rate: 0, only: undefined });
    proxy.clearRecords();
    const resumed = await stepwiseThrough(proxy, ['resume', resumableRunId(failed), '--yes', '--json', '--state-dir', stateDir]);
    expect(comparable(outputsOf(resumed), 'resumed')).toEqual(faultless);
    expect(proxy.records.map((record) => record.operation)).not.toContain('UpdateStack');
  }, 90_000);
});
