/** Runs the compiled CLI with the SDK pointed at a fault proxy, for the tests beside this file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO, runCli } from '../support/cli.js';
import { FAILING_FAULTS, type FaultProxy, type ProxyRecord } from '../support/fault-proxy.js';

export const FAULT_SEED = 20_808;

/** A stack frame, a thrown error's name or Node's own internals: what an operator must never read. */
export const STACK_TRACE = /^\s+at .+|^\w*Error:|node:internal/m;

export interface StepwiseResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runbookPath(name: string): string {
  return path.join(REPO, 'runbooks/datomic', `${name}.yaml`);
}

export function newStateDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `stepwise-faults-${prefix}-`));
}

export function stepwiseThrough(proxy: FaultProxy, args: readonly string[]): Promise<StepwiseResult> {
  return runCli(args, { env: { AWS_ENDPOINT_URL: proxy.url, NO_COLOR: '1' } });
}

/** The `outputs` of a `--json` run that succeeded; anything else fails with what the CLI said. */
export function outputsOf(result: StepwiseResult): Record<string, unknown> {
  if (result.code !== 0) throw new Error(`stepwise exited ${result.code}:\n${result.stderr}`);
  const document = JSON.parse(result.stdout) as { status: string; outputs: Record<string, unknown> };
  if (document.status !== 'succeeded') throw new Error(`the run is ${document.status}:\n${result.stderr}`);
  return document.outputs;
}

/** The run id from the "to resume" line a failed run prints. */
export function resumableRunId(result: StepwiseResult): string {
  const match = /stepwise resume (\S+)/.exec(result.stderr);
  if (!match) throw new Error(`no resume command in:\n${result.stderr}`);
  return match[1]!;
}

export function failedRequests(records: readonly ProxyRecord[]): ProxyRecord[] {
  return records.filter((record) => (FAILING_FAULTS as readonly string[]).includes(record.outcome));
}
