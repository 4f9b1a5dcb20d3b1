// A process that races for S3 run locks: `acquire RUN_ID` on stdin, one JSON line per attempt on
// stdout. It uses the compiled backend (npm run build first), as a second operator's stepwise would.
import { createInterface } from 'node:readline';

const dist = new URL('../../../dist/', import.meta.url);
const { parseS3Location } = await import(new URL('state/s3/s3-location.js', dist));
const { openS3Objects } = await import(new URL('state/s3/s3-objects.js', dist));
const { S3RunLock } = await import(new URL('state/s3/s3-lock.js', dist));

const address = process.argv[2];
const location = parseS3Location(address);
const objects = await openS3Objects(location);
// credentials and the connection are ready before the race starts, as for a process that has been running a while
await objects.get('warm-up');
process.stdout.write('ready\n');

for await (const line of createInterface({ input: process.stdin })) {
  const [command, runId] = line.split(' ');
  if (command !== 'acquire') continue;
  const said = [];
  const lock = new S3RunLock(objects, `runs/${runId}/lock`, `${address}/runs/${runId}/`, location.lockTtlMs, (message) => said.push(message));
  try {
    await lock.acquire();
    process.stdout.write(`${JSON.stringify({ runId, pid: process.pid, won: true, said })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ runId, pid: process.pid, won: false, message: error.message })}\n`);
  }
}
