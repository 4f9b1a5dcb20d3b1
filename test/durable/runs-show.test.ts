import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, journalFile, onlyRunId, readJournalLines, runCli, startCli, waitFor, workspace, type JournalLine } from '../support/cli.js';
import { EFFECT_SCRIPT } from './support/effects.js';
import { WAIT_SCRIPT } from './support/gated.js';

/** Outputs from `set` and from a shell step, a gate that fails until `allow` exists, a hold until `go`. */
const RUNBOOK = `apiVersion: stepwise/v1
name: reported
version: 2.3.4
steps:
  - id: name
    type: set
    with: { values: { stack: prod-compute, size: 3 } }
    outputs: { stack: stack, size: size }
  - id: greet
    type: shell
    with: { command: [echo, "hello \${{ steps.name.outputs.stack }}"], effect: read }
    outputs: { said: stdout }
  - id: gate
    type: shell
    with: { command: [sh, -c, "test -e allow || { echo 'gate is shut' >&2; exit 4; }"] }
  - id: hold
    type: shell
    with: { command: [sh, wait-for.sh, go] }
`;

interface ShownStep {
  id: string;
  status: string;
  durationMs: number;
  outputs: unknown;
  error?: { message: string; code: string };
  attempts: number;
  skipReason?: string;
}

describe('runs and show', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('tell the status, version, durations, outputs and errors of a run as it fails, runs again and succeeds', async () => {
    const ws = workspace();
    const runbook = ws.write('reported.yaml', RUNBOOK);
    ws.write('effect.sh', EFFECT_SCRIPT);
    ws.write('wait-for.sh', WAIT_SCRIPT);
    const cli = (...args: string[]) => runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir });

    expect((await cli('run', runbook)).code).toBe(1);
    const runId = onlyRunId(ws.stateDir);

    const listed = await cli('runs');
    expect(listed.code, listed.printed).toBe(0);
    expect(listed.stdout).toMatch(/^RUN +RUNBOOK +VERSION +STATUS +STARTED +DURATION$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${runId} +reported +2\\.3\\.4 +failed +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\d+(\\.\\d+)?m?s$`, 'm'));
    const listedJson = JSON.parse((await cli('runs', '--json')).stdout) as Array<Record<string, unknown>>;
    expect(listedJson).toEqual([expect.objectContaining({ runId, runbook: 'reported', version: '2.3.4', status: 'failed', durationMs: expect.any(Number) })]);
    expect(listedJson[0]!.durationMs).toBeGreaterThan(0);

    const shown = await cli('show', runId);
    expect(shown.code, shown.printed).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^run ${runId}: failed in \\d+(\\.\\d+)?m?s$`, 'm'));
    expect(shown.stdout).toContain(`runbook reported 2.3.4 (${runbook})`);
    expect(shown.stdout).toMatch(/^ +succeeded +name \(\d+(\.\d+)?m?s\)\n +outputs: \{"stack":"prod-compute","size":3\}$/m);
    expect(shown.stdout).toMatch(/^ +succeeded +greet \(\d+(\.\d+)?m?s\)\n +outputs: \{"said":"hello prod-compute"\}$/m);
    expect(shown.stdout).toMatch(/^ +failed +gate \(\d+(\.\d+)?m?s\)\n +error: `sh` exited with code 4 \(allowed: 0\): gate is shut$/m);
    expect(shown.stdout).not.toContain('hold');

    const shownJson = JSON.parse((await cli('show', runId, '--json')).stdout) as { status: string; version: string; durationMs: number; steps: ShownStep[] };
    expect(shownJson).toMatchObject({ runId, runbook: 'reported', version: '2.3.4', status: 'failed', path: runbook });
    expect(shownJson.steps.map(({ id, status, outputs, attempts }) => ({ id, status, outputs, attempts }))).toEqual([
      { id: 'name', status: 'succeeded', outputs: { stack: 'prod-compute', size: 3 }, attempts: 1 },
      { id: 'greet', status: 'succeeded', outputs: { said: 'hello prod-compute' }, attempts: 1 },
      { id: 'gate', status: 'failed', outputs: null, attempts: 1 },
    ]);
    expect(shownJson.steps[2]!.error).toMatchObject({ code: 'exit-code', message: '`sh` exited with code 4 (allowed: 0): gate is shut' });
    for (const step of shownJson.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);

    writeFileSync(ws.file('allow'), '');
    const resume = startCli(['resume', runId, '--state-dir', ws.stateDir], { cwd: ws.dir });
    await waitFor('the resume to reach the hold step', () => resume.output().includes('✔ gate'));
    const whileRunning = JSON.parse((await cli('runs', '--json')).stdout) as Array<{ status: string }>;
    expect(whileRunning[0]!.status).toBe('running');
    writeFileSync(ws.file('go'), '');
    expect((await resume.done).code).toBe(0);

    const after = JSON.parse((await cli('show', runId, '--json')).stdout) as { status: string; durationMs: number; steps: ShownStep[] };
    expect(after.status).toBe('succeeded');
    expect(after.durationMs).toBeGreaterThan(shownJson.durationMs);
    // `name` and `greet` only read, and no change came before the gate: the resume read them again
    expect(after.steps.map(({ id, status, attempts }) => ({ id, status, attempts }))).toEqual([
      { id: 'name', status: 'succeeded', attempts: 2 },
      { id: 'greet', status: 'succeeded', attempts: 2 },
      { id: 'gate', status: 'succeeded', attempts: 2 },
      { id: 'hold', status: 'succeeded', attempts: 1 },
    ]);
    expect(after.steps[2]!.error).toBeUndefined();
    expect((await cli('runs')).stdout).toMatch(new RegExp(`^${runId} +reported +2\\.3\\.4 +succeeded `, 'm'));
    expect((await cli('show', runId)).stdout).toMatch(/^ +succeeded +gate \(\d+(\.\d+)?m?s, 2 attempts\)$/m);
  });
});

describe('show after a crash between a step\'s success and its end', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  const runbook = `apiVersion: stepwise/v1
name: cut
version: 1.0.0
steps:
  - id: first
    type: set
    with: { values: { n: 1 } }
  - id: each
    type: set
    forEach: [a, b]
    with: { values: { item: "\${{ item }}" } }
  - id: single
    type: set
    with: { values: { n: 2 } }
  - id: final
    type: set
    with: { values: { n: 3 } }
`;

  it.each([
    ['the last item of a forEach', (line: JournalLine) => line.type === 'step-succeeded' && line.stepId === 'each' && line.item === 1],
    ['a step without forEach', (line: JournalLine) => line.type === 'step-succeeded' && line.stepId === 'single'],
  ])('reports every step of the resumed run as succeeded when the crash came after %s', async (_where, cutAfter) => {
    const ws = workspace();
    const file = ws.write('cut.yaml', runbook);
    const cli = (...args: string[]) => runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir });
    expect((await cli('run', file)).code).toBe(0);
    const runId = onlyRunId(ws.stateDir);
    const journal = readJournalLines(ws.stateDir, runId);
    const kept = journal.slice(0, journal.findIndex(cutAfter) + 1);
    writeFileSync(journalFile(ws.stateDir, runId), kept.map((line) => `${JSON.stringify(line)}\n`).join(''));

    expect((await cli('resume', runId)).code).toBe(0);
    const shown = JSON.parse((await cli('show', runId, '--json')).stdout) as { status: string; steps: ShownStep[] };

    expect(shown.status).toBe('succeeded');
    expect(shown.steps.map(({ id, status }) => `${id}: ${status}`)).toEqual(['first: succeeded', 'each: succeeded', 'single: succeeded', 'final: succeeded']);
    expect(shown.steps.find((step) => step.id === 'each')!.outputs).toEqual([{ item: 'a' }, { item: 'b' }]);
  });
});

describe('a run whose process was killed', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('is not listed as running', async () => {
    const ws = workspace();
    const file = ws.write('reported.yaml', RUNBOOK);
    ws.write('wait-for.sh', WAIT_SCRIPT);
    writeFileSync(ws.file('allow'), '');
    const running = startCli(['run', file, '--state-dir', ws.stateDir], { cwd: ws.dir });
    await waitFor('the run to reach the hold step', () => running.output().includes('✔ gate'));
    running.child.kill('SIGKILL');
    await running.done;
    // The hold step outlives the engine it belonged to: let it end.
    writeFileSync(ws.file('go'), '');

    const listed = JSON.parse((await runCli(['runs', '--json', '--state-dir', ws.stateDir], { cwd: ws.dir })).stdout) as Array<{ status: string }>;

    expect(listed.map((run) => run.status)).toEqual(['stopped']);
  });
});

describe('show tells items from attempts, and an interruption from a failure', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it('counts a forEach step\'s items as items, not as attempts', async () => {
    const ws = workspace();
    const file = ws.write(
      'items.yaml',
      `apiVersion: stepwise/v1
name: items
version: 1.0.0
steps:
  - id: sizes
    type: set
    forEach: [a, b, c]
    with: { values: { item: "\${{ item }}" } }
`,
    );
    const cli = (...args: string[]) => runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir });
    expect((await cli('run', file)).code).toBe(0);
    const runId = onlyRunId(ws.stateDir);

    const shown = await cli('show', runId);
    expect(shown.stdout).toMatch(/^ +succeeded +sizes \(\d+(\.\d+)?m?s, 3 items\)$/m);
    expect(shown.stdout).not.toMatch(/attempts/);
    const json = JSON.parse((await cli('show', runId, '--json')).stdout) as { steps: ShownStep[] };
    expect(json.steps[0]).toMatchObject({ id: 'sizes', items: 3, attempts: 1 });
  });

  it('says why each skipped step did not run: the runbook\'s skipReason, else its condition and the value that decided it', async () => {
    const ws = workspace();
    const file = ws.write(
      'skips.yaml',
      `apiVersion: stepwise/v1
name: skips
version: 1.0.0
params:
  production: { type: boolean, default: false }
steps:
  - id: decide
    type: set
    with: { values: { go: false } }
    outputs: { go: go }
  - id: told
    type: set
    if: "\${{ params.production }}"
    skipReason: "only in production"
    with: { values: {} }
  - id: computed
    type: set
    if: "\${{ steps.decide.outputs.go }}"
    with: { values: {} }
`,
    );
    const cli = (...args: string[]) => runCli([...args, '--state-dir', ws.stateDir], { cwd: ws.dir });
    expect((await cli('run', file)).code).toBe(0);
    const runId = onlyRunId(ws.stateDir);

    const shown = await cli('show', runId);
    expect(shown.stdout).toMatch(/^ +skipped +told \(\d+(\.\d+)?m?s\)\n +reason: only in production$/m);
    expect(shown.stdout).toMatch(/^ +skipped +computed \(\d+(\.\d+)?m?s\)\n +reason: steps\.decide\.outputs\.go is false$/m);
    expect(shown.stdout, 'a step that ran has no reason').not.toMatch(/decide .*\n +reason:/);
    const json = JSON.parse((await cli('show', runId, '--json')).stdout) as { steps: ShownStep[] };
    expect(json.steps.map(({ id, status, skipReason }) => ({ id, status, skipReason }))).toEqual([
      { id: 'decide', status: 'succeeded', skipReason: undefined },
      { id: 'told', status: 'skipped', skipReason: 'only in production' },
      { id: 'computed', status: 'skipped', skipReason: 'steps.decide.outputs.go is false' },
    ]);
    const page = await cli('show', runId, '--format', 'markdown');
    expect(page.stdout).toContain('`told`: skipped\n\n');
    expect(page.stdout).toMatch(/`computed`: skipped\n\n[^\n]+\n\nSkipped: steps\.decide\.outputs\.go is false\n/);
  });

  it('shows a step stopped by Ctrl-C as interrupted', async () => {
    const ws = workspace();
    const file = ws.write('reported.yaml', RUNBOOK);
    ws.write('wait-for.sh', WAIT_SCRIPT);
    writeFileSync(ws.file('allow'), '');
    const running = startCli(['run', file, '--state-dir', ws.stateDir], { cwd: ws.dir });
    await waitFor('the run to reach the hold step', () => running.output().includes('✔ gate'));
    running.child.kill('SIGINT');
    expect((await running.done).code).toBe(130);
    const runId = onlyRunId(ws.stateDir);

    const shown = await runCli(['show', runId, '--state-dir', ws.stateDir], { cwd: ws.dir });
    expect(shown.stdout).toMatch(/^run \S+: interrupted/m);
    expect(shown.stdout).toMatch(/^ +interrupted +hold \(/m);
    expect(shown.stdout).not.toMatch(/failed/);
  });
});

describe('a state folder that does not exist', { timeout: CLI_TESTS_TIMEOUT_MS }, () => {
  it.each([['runs'], ['show', '20260101-000000-abcd'], ['resume', '20260101-000000-abcd']])('is refused by `%s`, naming the path, exit 2', async (...args) => {
    const ws = workspace();
    const typo = ws.file('no-such-state');
    const result = await runCli([...args, '--state-dir', typo], { cwd: ws.dir });
    expect(result.code, result.printed).toBe(2);
    expect(result.stderr).toContain(`--state-dir: ${typo} does not exist`);
    expect(result.stdout).toBe('');
  });

  it('is created by `run`, which keeps its first run there', async () => {
    const ws = workspace();
    const file = ws.write('one.yaml', 'apiVersion: stepwise/v1\nname: one\nversion: 1.0.0\nsteps:\n  - id: a\n    type: set\n    with: { values: { n: 1 } }\n');
    const fresh = ws.file('fresh-state');
    expect((await runCli(['run', file, '--state-dir', fresh], { cwd: ws.dir })).code).toBe(0);
    const listed = await runCli(['runs', '--state-dir', fresh], { cwd: ws.dir });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ one +1\.0\.0 +succeeded /);
  });
});
