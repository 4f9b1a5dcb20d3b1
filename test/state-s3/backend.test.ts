import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import os from 'node:os';
import { beforeAll, expect, it } from 'vitest';
import type { RunEvent } from '../../engine/execute/events.js';
import { UsageError } from '../../engine/exit-codes.js';
import { RUN_FORMAT, type RunRecord } from '../../engine/state/run-record.js';
import type { StateBackend } from '../../engine/state/state-backend.js';
import { listRun, summarizeRun } from '../../engine/state/summarize-run.js';
import { openS3State } from '../../state/s3/s3-state-backend.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { journalEvents, listKeys, newBucket, readObject, testS3, writeObject } from './support/s3.js';

const moto = useMoto();
const RUNBOOK_TEXT = 'apiVersion: stepwise/v1\nname: two-steps\nversion: 1.0.0\nsteps: []\n';

function record(runId: string): RunRecord {
  return {
    format: RUN_FORMAT,
    runId,
    runbook: { path: '/somewhere/two-steps.yaml', name: 'two-steps', version: '1.0.0', sha256: 'a'.repeat(64) },
    params: { system: 'orders' },
    secretParams: [],
    settingsOverrides: {},
    engineVersion: '0.1.0',
    startedAt: '2026-03-01T10:00:00.000Z',
    host: os.hostname(),
    user: 'ops',
  };
}

const at = (second: number) => `2026-03-01T10:00:${String(second).padStart(2, '0')}.000Z`;

/** A first attempt: `one` succeeds, `two` fails. */
const FIRST_ATTEMPT: RunEvent[] = [
  { type: 'run-started', runId: 'r', runbook: 'two-steps', version: '1.0.0', dryRun: false, at: at(0) },
  { type: 'step-started', stepId: 'one', title: 'one', attempt: 1, effect: 'write', rerunSafe: false, at: at(1) },
  { type: 'step-succeeded', stepId: 'one', outputs: { n: 1 }, durationMs: 1000, at: at(2) },
  { type: 'step-finished', stepId: 'one', status: 'succeeded', outputs: { n: 1 }, durationMs: 1000, at: at(2) },
  { type: 'step-started', stepId: 'two', title: 'two', attempt: 1, effect: 'write', rerunSafe: false, at: at(3) },
  { type: 'step-failed', stepId: 'two', error: { message: 'boom', code: 'failed' }, willRetry: false, durationMs: 1000, at: at(4) },
  { type: 'step-finished', stepId: 'two', status: 'failed', outputs: null, durationMs: 1000, at: at(4) },
  { type: 'run-finished', status: 'failed', outputs: null, durationMs: 4000, at: at(4) },
];

/** The resume: `one` restored (not journaled again), `two` succeeds. */
const SECOND_ATTEMPT: RunEvent[] = [
  { type: 'run-started', runId: 'r', runbook: 'two-steps', version: '1.0.0', dryRun: false, at: at(10) },
  { type: 'step-succeeded', stepId: 'one', outputs: { n: 1 }, durationMs: 0, via: 'restore', at: at(10) },
  { type: 'step-finished', stepId: 'one', status: 'restored', outputs: { n: 1 }, durationMs: 0, at: at(10) },
  { type: 'step-started', stepId: 'two', title: 'two', attempt: 1, effect: 'write', rerunSafe: false, at: at(11) },
  { type: 'step-succeeded', stepId: 'two', outputs: { n: 2 }, durationMs: 1000, at: at(12) },
  { type: 'step-finished', stepId: 'two', status: 'succeeded', outputs: { n: 2 }, durationMs: 1000, at: at(12) },
  { type: 'run-finished', status: 'succeeded', outputs: null, durationMs: 2000, at: at(12) },
];

const quiet = () => undefined;

async function writeFirstAttempt(state: StateBackend, runId: string): Promise<void> {
  const { journal, lock } = await state.create(record(runId), RUNBOOK_TEXT, quiet);
  try {
    for (const event of FIRST_ATTEMPT) await journal.onEvent(event);
  } finally {
    await journal.close();
    await lock.release();
  }
}

describeMoto('the S3 state backend against moto', () => {
  let s3: S3Client;
  let bucket: string;

  beforeAll(async () => {
    s3 = testS3(moto.url);
    bucket = await newBucket(s3, 'team-state');
  });

  it('lists, shows and resumes through a second handle a run that the first wrote', async () => {
    const address = `s3://${bucket}/handles`;
    const writer = await openS3State(address);
    await writeFirstAttempt(writer, 'run-a');

    const reader = await openS3State(address);
    expect(await reader.ids()).toEqual(['run-a']);
    const overview = await reader.overview('run-a');
    expect(overview).toMatchObject({ location: `${address}/runs/run-a/`, locked: false, lastEntry: { type: 'run-finished', status: 'failed', seq: 8 } });
    expect(overview.record).toEqual(record('run-a'));
    const stored = await reader.open('run-a');
    expect(stored.snapshot).toBe(RUNBOOK_TEXT);
    expect(stored.journal.entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const summary = summarizeRun(stored, false);
    expect(summary.status).toBe('failed');
    expect(summary.steps.map((step) => [step.id, step.status])).toEqual([['one', 'succeeded'], ['two', 'failed']]);

    const lock = await reader.lock('run-a', quiet);
    expect(await writer.isLocked('run-a')).toBe(true);
    await expect(writer.lock('run-a', quiet)).rejects.toThrow(new RegExp(`being driven by process ${process.pid} on ${os.hostname()} since \\S+;`));
    const journal = await reader.appendJournal(await reader.open('run-a'));
    for (const event of SECOND_ATTEMPT) await journal.onEvent(event);
    await journal.close();
    await lock.release();

    expect(await writer.isLocked('run-a')).toBe(false);
    expect(await listKeys(s3, bucket, 'handles/runs/run-a/lock')).toEqual([]);
    const resumed = await writer.open('run-a');
    expect(resumed.journal.entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 13 }, (_, index) => index + 1));
    expect(resumed.journal.entries.filter((entry) => entry.type === 'step-finished' && entry.status === 'restored'), 'a restore is not journaled').toEqual([]);
    expect(summarizeRun(resumed, false)).toMatchObject({ status: 'succeeded', steps: [{ id: 'one', status: 'succeeded' }, { id: 'two', status: 'succeeded', outputs: { n: 2 } }] });
  });

  it('lists a run that stopped waiting at an approval as waiting since its approval-waiting event, not since a later decision or its stop', async () => {
    const state = await openS3State(`s3://${bucket}/waiting`);
    const { journal, lock } = await state.create(record('run-w'), RUNBOOK_TEXT, quiet);
    const waiting: RunEvent[] = [
      { type: 'run-started', runId: 'run-w', runbook: 'two-steps', version: '1.0.0', dryRun: false, at: at(0) },
      { type: 'step-started', stepId: 'gate', title: 'gate', attempt: 1, effect: 'interactive', rerunSafe: false, at: at(1) },
      { type: 'approval-waiting', stepId: 'gate', message: 'Go on?', approvers: [], minApprovals: 2, command: 'stepwise approve run-w', at: at(2) },
      { type: 'approval-decided', stepId: 'gate', by: 'bob', decision: 'approve', decidedAt: at(5), at: at(6) },
    ];
    const stop: RunEvent[] = [
      { type: 'step-failed', stepId: 'gate', error: { message: 'no decision within 4h', code: 'waiting' }, willRetry: false, durationMs: 8000, at: at(9) },
      { type: 'step-finished', stepId: 'gate', status: 'failed', outputs: null, durationMs: 8000, at: at(9) },
      { type: 'run-finished', status: 'waiting', outputs: null, durationMs: 9000, at: at(9) },
    ];
    try {
      for (const event of waiting) await journal.onEvent(event);
      expect(listRun(await state.overview('run-w'))).toMatchObject({ status: 'waiting', waitingSince: at(2), durationMs: 2000 });
      for (const event of stop) await journal.onEvent(event);
    } finally {
      await journal.close();
      await lock.release();
    }
    expect(listRun(await state.overview('run-w'))).toMatchObject({ status: 'waiting', waitingSince: at(2), durationMs: 2000 });
    expect(summarizeRun(await state.open('run-w'), false)).toMatchObject({ status: 'waiting', waitingSince: at(2) });
  });

  it('keeps the layout the docs describe, with server-side encryption on every object', async () => {
    const address = `s3://${bucket}/layout`;
    await writeFirstAttempt(await openS3State(address), 'run-b');
    const keys = await listKeys(s3, bucket, 'layout/');
    expect(keys).toEqual([
      ...Array.from({ length: 8 }, (_, index) => `layout/runs/run-b/journal/${String(index + 1).padStart(10, '0')}.json`),
      'layout/runs/run-b/run.json',
      'layout/runs/run-b/runbook.snapshot.yaml',
      'layout/stepwise-state.json',
    ]);
    for (const key of keys) expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ServerSideEncryption, key).toBe('AES256');
  });

  it('asks for SSE-KMS with the key the address names, on every object', async () => {
    const keyId = 'arn:aws:kms:us-east-1:123456789012:key/0b0d4f6e-8d2a-4c1e-9f0a-1a2b3c4d5e6f';
    await writeFirstAttempt(await openS3State(`s3://${bucket}/kms?sse=aws:kms&kms-key-id=${keyId}`), 'run-k');
    const keys = await listKeys(s3, bucket, 'kms/');
    expect(keys.length).toBeGreaterThan(3);
    for (const key of keys) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect([head.ServerSideEncryption, head.SSEKMSKeyId], key).toEqual(['aws:kms', keyId]);
    }
  });

  it('refuses a second writer of a sequence number, leaves its event in place, and stops journaling', async () => {
    const address = `s3://${bucket}/two-writers`;
    const state = await openS3State(address);
    const { journal, lock } = await state.create(record('run-c'), RUNBOOK_TEXT, quiet);
    await journal.onEvent(FIRST_ATTEMPT[0]!);
    const intruder = JSON.stringify({ v: 1, seq: 2, type: 'step-started', stepId: 'elsewhere', title: 'elsewhere', attempt: 1, effect: 'write', rerunSafe: false, at: at(1) });
    await writeObject(s3, bucket, 'two-writers/runs/run-c/journal/0000000002.json', intruder);

    await expect(journal.onEvent(FIRST_ATTEMPT[1]!)).rejects.toThrow(/event 2 of the journal s3:\/\/.+\/two-writers\/runs\/run-c\/journal\/ was written by another process/);
    await expect(journal.onEvent(FIRST_ATTEMPT[2]!), 'nothing more is written once the journal failed').rejects.toThrow(/written by another process/);
    await lock.release();
    expect(await readObject(s3, bucket, 'two-writers/runs/run-c/journal/0000000002.json')).toBe(intruder);
    expect((await journalEvents(s3, bucket, 'two-writers/runs/run-c/')).map((event) => event.seq)).toEqual([1, 2]);
  });

  it('names the closest run when asked for one that does not exist', async () => {
    const state = await openS3State(`s3://${bucket}/handles`);
    await expect(state.open('run-x')).rejects.toThrow(`no run "run-x" in s3://${bucket}/handles; did you mean "run-a"?`);
    await expect(state.lock('nothing-like-it', quiet)).rejects.toThrow('`stepwise runs` lists the runs');
  });

  it('lists nothing in an empty prefix, and creates nothing by listing', async () => {
    const state = await openS3State(`s3://${bucket}/never-used`);
    expect(await state.ids()).toEqual([]);
    expect(await listKeys(s3, bucket, 'never-used')).toEqual([]);
  });

  it('says so when the bucket does not exist', async () => {
    const state = await openS3State('s3://no-such-bucket-for-stepwise/team');
    const refusal = await state.create(record('run-d'), RUNBOOK_TEXT, quiet).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as Error).message).toMatch(/^the state bucket "no-such-bucket-for-stepwise" does not exist \(s3:\/\/no-such-bucket-for-stepwise\/team\): create it, or point --state/);
  });

  it('refuses a prefix that holds something else, and writes nothing there', async () => {
    await writeObject(s3, bucket, 'reports/2026/march.csv', 'a,b\n');
    const state = await openS3State(`s3://${bucket}/reports`);
    await expect(state.ids()).rejects.toThrow(`s3://${bucket}/reports holds other objects (such as s3://${bucket}/reports/2026/march.csv) and no stepwise-state.json: it is not a stepwise state store`);
    await expect(state.create(record('run-e'), RUNBOOK_TEXT, quiet)).rejects.toThrow(/it is not a stepwise state store/);
    expect(await listKeys(s3, bucket, 'reports/')).toEqual(['reports/2026/march.csv']);
  });

  it('refuses a state written by a newer stepwise', async () => {
    await writeObject(s3, bucket, 'future/stepwise-state.json', JSON.stringify({ stepwise: 'state', format: 99 }));
    await expect((await openS3State(`s3://${bucket}/future`)).ids()).rejects.toThrow('was written by a newer stepwise (state format 99, this one reads 1); upgrade stepwise');
  });

  it('refuses a damaged journal with a gap, naming the missing event', async () => {
    const address = `s3://${bucket}/gap`;
    await writeFirstAttempt(await openS3State(address), 'run-f');
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gap/runs/run-f/journal/0000000004.json' }));
    await expect((await openS3State(address)).open('run-f')).rejects.toThrow(`${address}/runs/run-f/journal/0000000004.json is missing, though later events exist: the run is damaged`);
  });

  it.each([
    ['an unknown event type', 'odd-type', (body: string) => body.replace('"type":"step-started"', '"type":"step-exploded"'), 'not a valid journal event (unknown event type "step-exploded")'],
    ['a sequence number that is not one', 'odd-seq', (body: string) => body.replace('"seq":2', '"seq":"x"'), 'not a valid journal event ("seq" is "x", not a sequence number)'],
  ])('refuses a journal event with %s, like a local journal', async (_what, prefix, damage, problem) => {
    const address = `s3://${bucket}/${prefix}`;
    await writeFirstAttempt(await openS3State(address), 'run-g');
    const key = `${prefix}/runs/run-g/journal/0000000002.json`;
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    await writeObject(s3, bucket, key, damage(body));
    await expect((await openS3State(address)).open('run-g')).rejects.toThrow(`${address}/runs/run-g/journal/0000000002.json: ${problem}; the run is damaged`);
  });
});
