// Long runs: whether a whole `stepwise run` grows in proportion to its steps, and how much of a
// long run a resume at its last step saves. Both in this process, loading, validating and
// hashing the runbook and journaling every event, with the output silenced.
import { existsSync, readdirSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { changePlugin, changeSteps, cliCommands, setSteps, stepsFailingAtTheLast, writeRunbook } from '../lib/engine.js';
import { compare, inWorkspace, row, runOnce } from '../lib/measure.js';

const SHORT = 1_000;
const LONG = 4_000;
const WARM_UP_STEPS = 100;
/** A run whose last step failed ends with exit code 1; so does its resume, which fails it again. */
const FAILED = 1;
const SHARED_MEMORY = '/dev/shm';
const TMPFS_MAGIC = 0x01021994;
const count = (steps) => steps.toLocaleString('en');

export default async function longRunRows({ repeat }) {
  return [await growth(repeat), await resumeAtTheLastStep(repeat, 'changes'), await resumeAtTheLastStep(repeat, 'reads')];
}

/**
 * The journal goes to tmpfs here when there is one: every write and fdatasync still happens,
 * but the disk's latency, which on a shared machine varies several-fold from one second to the
 * next, does not drown how the engine's own work grows. The 200 shell steps row measures the
 * journal on disk.
 */
async function growth(repeat) {
  const onTmpfs = isTmpfs(SHARED_MEMORY);
  return inWorkspace(
    'growth',
    async (folder) => {
      const commands = await cliCommands(path.join(folder, 'state'));
      const contenders = (short, long) => {
        const files = [short, long].map((steps) => writeRunbook(folder, `set-${steps}`, setSteps(steps)));
        return { short: () => commands.run(files[0], 0), long: () => commands.run(files[1], 0) };
      };
      await runOnce(contenders(WARM_UP_STEPS, WARM_UP_STEPS));
      const { short, long } = await compare(contenders(SHORT, LONG), repeat, { warmUp: false });
      const where = onTmpfs ? 'journal on tmpfs' : 'journal on disk';
      return row({ name: `stepwise run of ${count(LONG)} set steps, ${where}`, baseline: `of ${count(SHORT)} steps`, baselineMs: short, measuredMs: long, target: 4.5 });
    },
    onTmpfs ? SHARED_MEMORY : undefined,
  );
}

/**
 * A run of 1,000 steps whose last fails, against resuming it there: the journal on disk. After
 * 999 changes the resume restores them all (the target); after 999 reads it runs them all again,
 * as the resume rule wants (reported: it costs a full run by design).
 */
function resumeAtTheLastStep(repeat, earlier) {
  return inWorkspace(`resume-${earlier}`, async (folder) => {
    const stateDir = path.join(folder, 'state');
    const commands = await cliCommands(stateDir);
    const runIds = () => (existsSync(path.join(stateDir, 'runs')) ? readdirSync(path.join(stateDir, 'runs')) : []);
    const contenders = (steps) => {
      const file =
        earlier === 'changes'
          ? writeRunbook(folder, `fails-last-${steps}`, stepsFailingAtTheLast(changeSteps(steps - 1)), [changePlugin(folder)])
          : writeRunbook(folder, `fails-last-${steps}`, stepsFailingAtTheLast(setSteps(steps - 1)));
      let failedRun;
      return {
        fullRun: async () => {
          const before = new Set(runIds());
          const ms = await commands.run(file, FAILED);
          failedRun = runIds().find((id) => !before.has(id));
          return ms;
        },
        resume: () => commands.resume(failedRun, FAILED),
      };
    };
    await runOnce(contenders(WARM_UP_STEPS));
    const { fullRun, resume } = await compare(contenders(SHORT), repeat, { warmUp: false });
    const name = `resume at the last step of ${count(SHORT)}, after ${count(SHORT - 1)} ${earlier === 'changes' ? 'changes (restored)' : 'set steps (read again)'}`;
    return row({ name, baseline: `the full run of ${count(SHORT)}`, baselineMs: fullRun, measuredMs: resume, target: earlier === 'changes' ? 0.15 : undefined });
  });
}

function isTmpfs(folder) {
  try {
    return statfsSync(folder).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}
