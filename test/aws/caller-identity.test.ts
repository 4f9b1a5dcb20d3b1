import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callerIdentity } from '../../steps/aws/caller-identity.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { newPerson } from '../support/moto-people.js';

const moto = useMoto();

describe('the AWS identity of an approver', () => {
  it('is not looked for without a sign of credentials, so a machine without AWS is not held up', async () => {
    const missing = path.join(os.tmpdir(), `stepwise-no-aws-${process.pid}`);
    const env = { AWS_CONFIG_FILE: path.join(missing, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(missing, 'credentials'), AWS_EC2_METADATA_DISABLED: 'true' };
    await expect(callerIdentity(env)).resolves.toBeUndefined();
  });
});

describeMoto('the AWS identity of an approver, on moto', () => {
  it('is the ARN of the IAM user whose keys are in use', async () => {
    const dana = await newPerson(moto.url, `dana-${process.pid}`);
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    Object.assign(process.env, dana.env);
    try {
      await expect(callerIdentity()).resolves.toBe(dana.arn);
    } finally {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: saved.id, AWS_SECRET_ACCESS_KEY: saved.secret });
    }
  });
});
