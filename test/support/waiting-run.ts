import { runCli, type CliOptions } from './cli.js';

/** Long enough for a loaded machine: only a run that never waits takes it. */
const WAIT_LIMIT_MS = 60_000;

/**
 * Polls `stepwise runs --json` until the run is listed as waiting. A run prints that it waits
 * as it journals it: a command that reads the state right after the line appears could come
 * first.
 */
export async function untilListedWaiting(runId: string, stateArguments: readonly string[], options: CliOptions): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const listed = await runCli(['runs', '--json', ...stateArguments], options);
    const runs = listed.code === 0 ? (JSON.parse(listed.stdout) as { runId: string; status: string }[]) : [];
    if (runs.some((run) => run.runId === runId && run.status === 'waiting')) return;
    if (Date.now() > deadline) throw new Error(`run ${runId} was never listed as waiting:\n${listed.printed}`);
  }
}
