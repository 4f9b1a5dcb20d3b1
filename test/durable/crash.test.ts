import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournalLines, runCli, runFolder, runIds, startCli, waitFor, workspace, type CliResult, type JournalLine, type StartedCli } from '../support/cli.js';
import { EFFECT_SCRIPT, effectStep, readEffects, type Effect } from './support/effects.js';

const KILLS = 30;
const ITEMS = ['a', 'b', 'c', 'd', 'e', 'f'];

/**
 * 25 steps: shell steps that take from nothing to 80 ms after making their effect, a `set`
 * whose value comes from the first step's output and flows into a later step, and a forEach
 * of six items.
 */
function drillRunbook(): string {
  const delays = ['0', '0.03', '0.08'];
  let steps = '';
  for (let number = 1; number <= 25; number++) {
    const id = `s${String(number).padStart(2, '0')}`;
    if (id === 's07') {
      steps += `  - id: s07
    type: set
    with: { values: { first: "\${{ steps.s01.outputs.nonce }}" } }
    outputs: { first: first }
`;
    } else if (id === 's08') {
      steps += effectStep('s08', '0', '${{ steps.s07.outputs.first }}');
    } else if (id === 's09') {
      steps += `  - id: s09
    type: shell
    forEach: ${JSON.stringify(ITEMS)}
    with: { command: [sh, effect.sh, "s09.\${{ item }}", "0.04"] }
    outputs: { nonce: stdout }
`;
    } else {
      steps += effectStep(id, delays[number % delays.length]!);
    }
  }
  return `apiVersion: stepwise/v1\nname: crash-drill\nversion: 1.0.0\nsteps:\n${steps}`;
}

/** Every effect the drill must have made: the shell steps and each forEach item. */
const EFFECT_LABELS = Array.from({ length: 25 }, (_, index) => `s${String(index + 1).padStart(2, '0')}`)
  .filter((id) => id !== 's07')
  .flatMap((id) => (id === 's09' ? ITEMS.map((item) => `s09.${item}`) : [id]));

function labelOf(line: JournalLine): string {
  return line.item === undefined ? line.stepId! : `${line.stepId}.${ITEMS[line.item]}`;
}

function succeededLabels(journal: readonly JournalLine[], label = labelOf): Set<string> {
  return new Set(journal.filter((line) => line.type === 'step-succeeded').map(label));
}

/** mulberry32: small, seedable, good enough to place kills. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Where a kill moment is counted from, and the printed line that marks it. */
const MARKS = {
  /** From the spawn: the kill may land in start-up, lock takeover or replay. */
  spawn: undefined,
  /** From the run-started header: it may land in the first step, while its step type loads. */
  'run-started': / · run \S+/,
  /** From the first step this attempt finished: it lands among the steps that follow. */
  'first-step': /^ {2}✔ /m,
} as const;

interface KillMoment {
  from: keyof typeof MARKS;
  ms: number;
}

function drawMoment(random: () => number): KillMoment {
  const draw = random();
  if (draw < 0.15) return { from: 'spawn', ms: Math.floor(random() * 800) };
  if (draw < 0.3) return { from: 'run-started', ms: Math.floor(random() * 300) };
  return { from: 'first-step', ms: Math.floor(random() * 300) };
}

/** Kills the CLI at the moment, unless it ends first; the result says which happened. */
async function killAt(cli: StartedCli, moment: KillMoment): Promise<CliResult> {
  let exited = false;
  void cli.done.then(() => (exited = true));
  const mark = MARKS[moment.from];
  if (mark !== undefined) await waitFor(`"${moment.from}" in the output`, () => exited || mark.test(cli.output()), 30_000);
  const due = new Promise<void>((resolve) => setTimeout(resolve, moment.ms));
  await Promise.race([cli.done, due]);
  if (!exited) cli.child.kill('SIGKILL');
  return cli.done;
}

function checkDrill(journal: readonly JournalLine[], effects: readonly Effect[], succeededBeforeAttempt: ReadonlyMap<number, ReadonlySet<string>>): void {
  // Nothing journaled twice or lost: each attempt continued the sequence of the one before.
  expect(journal.map((line) => line.seq)).toEqual(journal.map((_, index) => index + 1));
  expect(journal.filter((line) => line.type === 'run-finished').at(-1)?.status).toBe('succeeded');

  // The resume rule: a write that succeeded never starts again; a read does only when no write
  // succeeded after it (it came after the last change, so the resume reads it again).
  const succeededAt = new Map<string, number>();
  const effectOf = new Map<string, unknown>();
  let lastWriteAt = 0;
  for (const line of journal) {
    if (line.stepId === undefined) continue;
    const label = labelOf(line);
    if (line.type === 'step-started' && succeededAt.has(label) && (line.effect !== 'read' || succeededAt.get(label)! < lastWriteAt)) {
      throw new Error(`${label} started again at journal seq ${line.seq}, after it had succeeded at seq ${succeededAt.get(label)}`);
    }
    if (line.type === 'step-started') effectOf.set(label, line.effect);
    if (line.type === 'step-succeeded') {
      succeededAt.set(label, line.seq);
      if (effectOf.get(label) !== 'read') lastWriteAt = line.seq;
    }
  }

  for (const effect of effects) {
    if (succeededBeforeAttempt.get(effect.attempt)?.has(effect.label)) {
      throw new Error(`${effect.label} ran again in attempt ${effect.attempt}, though the journal said it had succeeded before that attempt began`);
    }
  }

  const recordedNonce = new Map(journal.filter((line) => line.type === 'step-succeeded').map((line) => [labelOf(line), (line.outputs as { nonce?: string }).nonce]));
  for (const label of EFFECT_LABELS) {
    const nonce = recordedNonce.get(label);
    expect(nonce, `the journal records ${label} as succeeded, with its nonce`).toMatch(/^\d+-\d+$/);
    expect(effects.filter((effect) => effect.label === label).map((effect) => effect.nonce), `the effect of ${label} that the journal recorded happened`).toContain(nonce);
  }
  const first = recordedNonce.get('s01');
  expect(journal.find((line) => line.type === 'step-succeeded' && line.stepId === 's07')?.outputs).toEqual({ first });
  const s08 = effects.filter((effect) => effect.label === 's08');
  expect(s08.map((effect) => effect.payload), 'the set value reached s08 through every restore').toEqual(s08.map(() => first));
}

describe('SIGKILL at random moments', () => {
  it(`loses nothing, never repeats a succeeded write or item, and reads again only after the last change, across ${KILLS} kills`, { timeout: 300_000 }, async () => {
    const seed = Number(process.env.STEPWISE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = seededRandom(seed);
    console.log(`crash test seed ${seed} (STEPWISE_CRASH_SEED=${seed} replays the same kill moments)`);
    const ws = workspace();
    const runbook = ws.write('drill.yaml', drillRunbook());
    ws.write('effect.sh', EFFECT_SCRIPT);
    const moments: string[] = [];
    let kills = 0;

    // A run that ends before the kills are spent is followed by a fresh one, so every kill lands in a run.
    for (let drill = 1; kills < KILLS; drill++) {
      const effectsFile = ws.file(`effects-${drill}.log`);
      const knownRuns = new Set(runIds(ws.stateDir));
      const succeededBeforeAttempt = new Map<number, Set<string>>();
      let runId: string | undefined;
      for (let attempt = 1; ; attempt++) {
        if (attempt > 60) throw new Error(`drill ${drill} did not finish in 60 attempts`);
        succeededBeforeAttempt.set(attempt, runId ? succeededLabels(readJournalLines(ws.stateDir, runId)) : new Set());
        const args = runId ? ['resume', runId, '--yes', '--state-dir', ws.stateDir] : ['run', runbook, '--state-dir', ws.stateDir];
        const cli = startCli(args, { cwd: ws.dir, env: { EFFECTS_FILE: effectsFile, ATTEMPT: String(attempt) } });
        const moment = kills < KILLS ? drawMoment(random) : undefined;
        const result = moment ? await killAt(cli, moment) : await cli.done;
        runId ??= runIds(ws.stateDir).find((id) => !knownRuns.has(id));
        if (result.signal === 'SIGKILL') {
          kills++;
          moments.push(`#${kills} drill ${drill} attempt ${attempt}: ${moment!.from}+${moment!.ms}ms`);
          continue;
        }
        expect(result.code, `attempt ${attempt} of drill ${drill} (${args.join(' ')}) ended by itself:\n${result.printed}`).toBe(0);
        break;
      }
      if (runId === undefined) throw new Error(`drill ${drill} succeeded without a run folder`);
      const effects = readEffects(effectsFile);
      checkDrill(readJournalLines(ws.stateDir, runId), effects, succeededBeforeAttempt);
      const repeated = EFFECT_LABELS.filter((label) => effects.filter((effect) => effect.label === label).length > 1);
      console.log(`drill ${drill} (run ${runId}): in flight at a kill and run again: ${repeated.join(', ') || 'none'}`);
    }
    console.log(`kill moments:\n  ${moments.join('\n  ')}`);
    expect(kills).toBe(KILLS);
  });
});

/**
 * A SIGKILL can leave the journal ending after any of its lines; resuming from each of those
 * prefixes of a real journal must run exactly what the prefix does not record as done.
 */
describe('a crash after any journal line', () => {
  const small = `apiVersion: stepwise/v1
name: boundaries
version: 1.0.0
steps:
${effectStep('one', '0')}  - id: remember
    type: set
    with: { values: { first: "\${{ steps.one.outputs.nonce }}" } }
    outputs: { first: first }
${effectStep('two', '0', '${{ steps.remember.outputs.first }}')}  - id: each
    type: shell
    forEach: [a, b]
    with: { command: [sh, effect.sh, "each.\${{ item }}", "0"] }
    outputs: { nonce: stdout }
${effectStep('three', '0')}`;
  const labels = ['one', 'two', 'each.a', 'each.b', 'three'];
  const label = (line: JournalLine) => (line.item === undefined ? line.stepId! : `${line.stepId}.${['a', 'b'][line.item]}`);

  it('resumes from every prefix without repeating a recorded success', { timeout: 120_000 }, async () => {
    const ws = workspace();
    const runbook = ws.write('boundaries.yaml', small);
    ws.write('effect.sh', EFFECT_SCRIPT);
    const full = await runCli(['run', runbook, '--state-dir', ws.stateDir], { cwd: ws.dir, env: { EFFECTS_FILE: ws.file('effects-full.log') } });
    expect(full.code, full.printed).toBe(0);
    const runId = runIds(ws.stateDir)[0]!;
    const source = runFolder(ws.stateDir, runId);
    const lines = readFileSync(path.join(source, 'journal.ndjson'), 'utf8').split('\n').filter(Boolean);

    const resumeFrom = async (kept: number) => {
      const stateDir = ws.file(`prefix-${kept}`);
      const folder = runFolder(stateDir, runId);
      mkdirSync(folder, { recursive: true });
      for (const name of ['run.json', 'runbook.snapshot.yaml']) copyFileSync(path.join(source, name), path.join(folder, name));
      writeFileSync(path.join(folder, 'journal.ndjson'), lines.slice(0, kept).map((line) => `${line}\n`).join(''));
      const done = succeededLabels(readJournalLines(stateDir, runId), label);
      const effectsFile = ws.file(`effects-${kept}.log`);
      const result = await runCli(['resume', runId, '--yes', '--state-dir', stateDir], { cwd: ws.dir, env: { EFFECTS_FILE: effectsFile } });
      return { kept, done, result, effects: readEffects(effectsFile), journal: readJournalLines(stateDir, runId) };
    };

    // The last line is run-finished: with it the run is complete and there is nothing to resume.
    const prefixes = Array.from({ length: lines.length }, (_, kept) => kept);
    const outcomes = [];
    for (let start = 0; start < prefixes.length; start += 4) outcomes.push(...(await Promise.all(prefixes.slice(start, start + 4).map(resumeFrom))));

    const problems: string[] = [];
    for (const { kept, done, result, effects, journal } of outcomes) {
      const where = `journal cut after line ${kept} (${kept === 0 ? 'empty' : JSON.parse(lines[kept - 1]!).type})`;
      if (result.code !== 0) problems.push(`${where}: resume exited ${result.code}: ${result.stderr.trim()}`);
      const ran = effects.map((effect) => effect.label);
      const repeated = ran.filter((name) => done.has(name));
      if (repeated.length > 0) problems.push(`${where}: ran again what had succeeded: ${repeated.join(', ')}`);
      const missing = labels.filter((name) => !done.has(name) && !ran.includes(name));
      if (missing.length > 0) problems.push(`${where}: never ran ${missing.join(', ')}`);
      const remembered = journal.find((line) => line.type === 'step-succeeded' && line.stepId === 'one')?.outputs as { nonce: string } | undefined;
      for (const effect of effects.filter((effect) => effect.label === 'two')) {
        if (effect.payload !== remembered?.nonce) problems.push(`${where}: step two got "${effect.payload}" from the set step, not the first step's nonce ${remembered?.nonce}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
