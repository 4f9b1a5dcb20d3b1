/** A plan applied through a team's S3 state is taken once (PutObject If-None-Match), even by two operators at the same moment. */
import type { S3Client } from '@aws-sdk/client-s3';
import { readdirSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { CLI_TESTS_TIMEOUT_MS, expectNoStackTrace, runCli, startCli, waitFor } from '../support/cli.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { reviewedPlanBed, SECRET_PARAM } from '../plans/support/reviewed-plan-bed.js';
import { listKeys, newBucket, readObject, testS3 } from './support/s3.js';

const moto = useMoto();

describeMoto('plans taken through the state in S3', () => {
  let s3: S3Client;
  let bucket: string;

  beforeAll(async () => {
    s3 = testS3(moto.url);
    bucket = await newBucket(s3, 'team-plans');
  });

  it('of two applies of one plan started together, one runs; the other, and a discard, are refused, naming it', { timeout: CLI_TESTS_TIMEOUT_MS }, async () => {
    const state = `s3://${bucket}/team`;
    const bed = reviewedPlanBed();
    expect((await bed.plan()).code).toBe(0);
    bed.write('hold', '');
    const applies = [0, 1].map(() => startCli(['apply', 'plan.json', '--state', state], { cwd: bed.dir, env: { STEPWISE_PARAM_TOKEN: SECRET_PARAM } }));
    // both past the question whether the plan was taken, both held in their check's read
    await waitFor('both applies to check the plan', () => readdirSync(bed.dir).filter((name) => name.startsWith('holding.')).length === 2);
    bed.write('go', '');
    const results = await Promise.all(applies.map((apply) => apply.done));
    expect(results.map((result) => result.code).sort(), results.map((result) => result.printed).join('\n---\n')).toEqual([0, 2]);

    const runs = (await listKeys(s3, bucket, 'team/runs/')).filter((key) => key.endsWith('/run.json'));
    expect(runs).toHaveLength(1);
    const runId = runs[0]!.split('/')[2]!;
    const refused = results.find((result) => result.code === 2)!;
    expectNoStackTrace(refused.printed);
    expect(refused.stderr).toContain(`stepwise: stale plan: plan.json was applied already, by run ${runId}`);
    expect(bed.reviewed().filter((entry) => entry.step === 'first'), 'the write ran once').toHaveLength(1);
    const claims = await listKeys(s3, bucket, 'team/plans/');
    expect(claims).toHaveLength(1);
    expect(JSON.parse((await readObject(s3, bucket, claims[0]!))!)).toMatchObject({ by: 'apply', runId });

    const discarded = await runCli(['discard', 'plan.json', '--state', state], { cwd: bed.dir });
    expect(discarded.code, discarded.printed).toBe(2);
    expect(discarded.stderr).toContain(`stepwise: cannot discard plan.json: it was applied, by run ${runId}`);
    expect(discarded.stderr).toContain('that run succeeded: what the plan reviewed is done');
  });
});
