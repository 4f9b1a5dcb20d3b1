import type { S3Client } from '@aws-sdk/client-s3';
import { beforeAll, expect, it } from 'vitest';
import { startCli, waitFor, workspace, type CliResult, type StartedCli } from '../support/cli.js';
import { EFFECT_SCRIPT, effectStep, readEffects, type Effect } from '../durable/support/effects.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { journalEvents, listKeys, newBucket, readObject, testS3 } from './support/s3.js';

const moto = useMoto();
const KILLS = 8;
const ITEMS = ['a', 'b', 'c'];
/** Short, so that a resume after a kill waits little for the dead process's lock to expire. */
const LOCK_TTL = '2s';

type Event = Awaited<ReturnType<typeof journalEvents>>[number] & { stepId?: string; item?: number; outputs?: { nonce?: string; first?: string } };

/** 12 steps: shell steps that make their effect and take up to 80 ms, a `set` fed by the first step and read by a later one, a forEach of three. */
function drillRunbook(): string {
  const delays = ['0', '0.03', '0.08'];
  let steps = '';
  for (let number = 1; number <= 12; number++) {
    const id = `s${String(number).padStart(2, '0')}`;
    if (id === 's04') steps += `  - id: s04\n    type: set\n    with: { values: { first: "\${{ steps.s01.outputs.nonce }}" } }\n    outputs: { first: first }\n`;
    else if (id === 's05') steps += effectStep('s05', '0', '${{ steps.s04.outputs.first }}');
    else if (id === 's06') steps += `  - id: s06\n    type: shell\n    forEach: ${JSON.stringify(ITEMS)}\n    with: { command: [sh, effect.sh, "s06.\${{ item }}", "0.04"] }\n    outputs: { nonce: stdout }\n`;
    else steps += effectStep(id, delays[number % delays.length]!);
  }
  return `apiVersion: stepwise/v1\nname: s3-crash-drill\nversion: 1.0.0\nsteps:\n${steps}`;
}

const EFFECT_LABELS = Array.from({ length: 12 }, (_, index) => `s${String(index + 1).padStart(2, '0')}`)
  .filter((id) => id !== 's04')
  .flatMap((id) => (id === 's06' ? ITEMS.map((item) => `s06.${item}`) : [id]));

const labelOf = (event: Event) => (event.item === undefined ? event.stepId! : `${event.stepId}.${ITEMS[event.item]}`);

/** mulberry32, seeded: the kill moments of a failure can be replayed. */
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

/** From the spawn (start-up, opening the state, taking the lock, replay) or from the first step this attempt finished. */
async function killAt(cli: StartedCli, random: () => number): Promise<{ result: CliResult; moment: string }> {
  let exited = false;
  void cli.done.then(() => (exited = true));
  const fromSpawn = random() < 0.3;
  const ms = Math.floor(random() * (fromSpawn ? 1500 : 400));
  if (!fromSpawn) await waitFor('a finished step in the output', () => exited || /^ {2}✔ /m.test(cli.output()), 60_000);
  await Promise.race([cli.done, new Promise((resolve) => setTimeout(resolve, ms))]);
  if (!exited) cli.child.kill('SIGKILL');
  return { result: await cli.done, moment: `${fromSpawn ? 'spawn' : 'first-step'}+${ms}ms` };
}

describeMoto('SIGKILL at random moments, with the state in S3', () => {
  let s3: S3Client;
  let bucket: string;

  beforeAll(async () => {
    s3 = testS3(moto.url);
    bucket = await newBucket(s3, 'crash');
  });

  /** Runs with a run.json: a kill before it was written leaves a run that never started. */
  const runIds = async () => (await listKeys(s3, bucket, 'drill/runs/')).filter((key) => key.endsWith('/run.json')).map((key) => key.split('/')[2]!);
  const events = async (runId: string) => (await journalEvents(s3, bucket, `drill/runs/${runId}/`)) as Event[];
  const succeeded = async (runId: string | undefined) => new Set(runId ? (await events(runId)).filter((event) => event.type === 'step-succeeded').map(labelOf) : []);
  /** A killed process's lock stays until it expires; a resume before that is refused, rightly. */
  const lockExpired = async (runId: string) => {
    const lock = await readObject(s3, bucket, `drill/runs/${runId}/lock`);
    return lock === undefined || Date.parse((JSON.parse(lock) as { expires: string }).expires) < Date.now();
  };

  it(`loses nothing, never repeats a succeeded write or item, and reads again only after the last change, across ${KILLS} kills`, { timeout: 240_000 }, async () => {
    const seed = Number(process.env.STEPWISE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = seededRandom(seed);
    console.log(`S3 crash test seed ${seed} (STEPWISE_CRASH_SEED=${seed} replays the same kill moments)`);
    const ws = workspace();
    ws.write('drill.yaml', drillRunbook());
    ws.write('effect.sh', EFFECT_SCRIPT);
    const state = `s3://${bucket}/drill?lock-ttl=${LOCK_TTL}`;
    const moments: string[] = [];
    let kills = 0;

    for (let drill = 1; kills < KILLS; drill++) {
      const effectsFile = ws.file(`effects-${drill}.log`);
      const knownRuns = new Set(await runIds());
      const succeededBefore = new Map<number, Set<string>>();
      let runId: string | undefined;
      for (let attempt = 1; ; attempt++) {
        if (attempt > 40) throw new Error(`drill ${drill} did not finish in 40 attempts`);
        succeededBefore.set(attempt, await succeeded(runId));
        if (runId) await pollUntil(`the lock of ${runId} to expire`, () => lockExpired(runId!));
        const args = runId ? ['resume', runId, '--yes', '--state', state] : ['run', 'drill.yaml', '--state', state];
        const cli = startCli(args, { cwd: ws.dir, env: { EFFECTS_FILE: effectsFile, ATTEMPT: String(attempt) } });
        const { result, moment } = kills < KILLS ? await killAt(cli, random) : { result: await cli.done, moment: '' };
        runId ??= (await runIds()).find((id) => !knownRuns.has(id));
        if (result.signal === 'SIGKILL') {
          kills++;
          moments.push(`#${kills} drill ${drill} attempt ${attempt}: ${moment}`);
          continue;
        }
        expect(result.code, `attempt ${attempt} of drill ${drill} (${args.join(' ')}) ended by itself:\n${result.printed}`).toBe(0);
        break;
      }
      if (runId === undefined) throw new Error(`drill ${drill} succeeded without a run in S3`);
      checkDrill(await events(runId), readEffects(effectsFile), succeededBefore);
    }
    console.log(`kill moments:\n  ${moments.join('\n  ')}`);
    expect(kills).toBe(KILLS);
  });
});

async function pollUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function checkDrill(journal: readonly Event[], effects: readonly Effect[], succeededBefore: ReadonlyMap<number, ReadonlySet<string>>): void {
  expect(journal.map((event) => event.seq), 'each attempt continued the sequence of the one before').toEqual(journal.map((_, index) => index + 1));
  expect(journal.filter((event) => event.type === 'run-finished').at(-1)?.status).toBe('succeeded');
  // The resume rule: a write that succeeded never starts again; a read does only when no write
  // succeeded after it (it came after the last change, so the resume reads it again).
  const succeededAt = new Map<string, number>();
  const effectOf = new Map<string, unknown>();
  let lastWriteAt = 0;
  for (const event of journal) {
    if (event.stepId === undefined) continue;
    const label = labelOf(event);
    const effect = 'effect' in event ? event.effect : undefined;
    if (event.type === 'step-started' && succeededAt.has(label) && (effect !== 'read' || succeededAt.get(label)! < lastWriteAt)) {
      throw new Error(`${label} started again at seq ${event.seq}, after it had succeeded at seq ${succeededAt.get(label)}`);
    }
    if (event.type === 'step-started') effectOf.set(label, effect);
    if (event.type === 'step-succeeded') {
      succeededAt.set(label, event.seq);
      if (effectOf.get(label) !== 'read') lastWriteAt = event.seq;
    }
  }
  for (const effect of effects) {
    if (succeededBefore.get(effect.attempt)?.has(effect.label)) throw new Error(`${effect.label} ran again in attempt ${effect.attempt}, though the journal said it had succeeded before`);
  }
  const nonces = new Map(journal.filter((event) => event.type === 'step-succeeded').map((event) => [labelOf(event), event.outputs?.nonce]));
  for (const label of EFFECT_LABELS) {
    expect(nonces.get(label), `the journal records ${label} as succeeded, with its nonce`).toMatch(/^\d+-\d+$/);
    expect(effects.filter((effect) => effect.label === label).map((effect) => effect.nonce), `the effect of ${label} that the journal recorded happened`).toContain(nonces.get(label));
  }
  const s05 = effects.filter((effect) => effect.label === 's05');
  expect(s05.map((effect) => effect.payload), 'the set value reached s05 through every restore').toEqual(s05.map(() => nonces.get('s01')));
}
