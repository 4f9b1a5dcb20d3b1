// 200 `shell` steps running /bin/true, against the same 200 spawns without the engine: in Node
// with execa, and in a bash loop. Once as executeRunbook alone, once as a whole `stepwise run`
// with its journal (an fdatasync per event).
import path from 'node:path';
import { execa } from 'execa';
import { cliCommands, executeOnly, shellSteps, writeRunbook } from '../lib/engine.js';
import { compare, inWorkspace, row, runOnce, time } from '../lib/measure.js';

const STEPS = 200;
/** The warm-up round spawns this many, not STEPS: it only has to load code and fill caches. */
const WARM_UP_STEPS = 20;
const PROGRAM = '/bin/true';

export default function shellStepRows({ repeat }) {
  return inWorkspace('shell', async (folder) => {
    const full = await contenders(folder, STEPS);
    await runOnce(await contenders(folder, WARM_UP_STEPS));
    const { execute, run, bareExeca, bashLoop } = await compare(full, repeat, { warmUp: false });
    return [
      row({ name: `${STEPS} shell steps (${PROGRAM}), engine alone`, baseline: `${STEPS} × await execa() in Node`, baselineMs: bareExeca, measuredMs: execute, target: 1.2 }),
      row({ name: `${STEPS} shell steps (${PROGRAM}), engine alone`, baseline: `bash for-loop of ${STEPS}`, baselineMs: bashLoop, measuredMs: execute }),
      row({ name: `${STEPS} shell steps (${PROGRAM}), stepwise run with journal`, baseline: `${STEPS} × await execa() in Node`, baselineMs: bareExeca, measuredMs: run, target: 1.25 }),
    ];
  });
}

async function contenders(folder, count) {
  const file = writeRunbook(folder, `shell-${count}`, shellSteps(count, PROGRAM));
  const commands = await cliCommands(path.join(folder, 'state'));
  return {
    execute: await executeOnly(file),
    run: () => commands.run(file, 0),
    bareExeca: () =>
      time(async () => {
        for (let i = 0; i < count; i++) await execa(PROGRAM);
      }),
    bashLoop: () => time(() => execa('bash', ['-c', `for i in $(seq ${count}); do ${PROGRAM}; done`])),
  };
}
