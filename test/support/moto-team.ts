/**
 * A team for approval tests against moto: an S3 bucket its runs are kept in, and two people,
 * the operator who runs the runbook and an approver (IAM users with keys of their own).
 */
import { randomBytes } from 'node:crypto';
import { beforeAll } from 'vitest';
import { newBucket, testS3 } from '../state-s3/support/s3.js';
import type { MotoHandle } from './moto-env.js';
import { newPerson, type Person } from './moto-people.js';

export interface Team {
  readonly bucket: string;
  readonly operator: Person;
  readonly approver: Person;
  /** An s3:// state address of its own in the team's bucket, for one test's runs. */
  newState(): string;
}

/** Made before the tests of the describe block it is called in (moto is reset by then). */
export function useTeam(moto: MotoHandle, label: string): Team {
  let made: { bucket: string; operator: Person; approver: Person } | undefined;
  beforeAll(async () => {
    const tag = randomBytes(3).toString('hex');
    made = {
      bucket: await newBucket(testS3(moto.url), label),
      operator: await newPerson(moto.url, `operator-${tag}`),
      approver: await newPerson(moto.url, `approver-${tag}`),
    };
  });
  const team = () => {
    if (!made) throw new Error('the team is made in beforeAll: use it inside a test');
    return made;
  };
  return {
    get bucket() {
      return team().bucket;
    },
    get operator() {
      return team().operator;
    },
    get approver() {
      return team().approver;
    },
    newState: () => `s3://${team().bucket}/${randomBytes(3).toString('hex')}`,
  };
}
