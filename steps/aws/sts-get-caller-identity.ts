import type { JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { awsClient } from './client.js';
import { toPlainJson } from './plain-json.js';

export default defineStep<Record<string, never>>({
  type: 'aws.sts.get-caller-identity',
  description:
    'Who the runbook acts as: the account, user id and ARN of the credentials in use. A cheap first step that proves the credentials work. Result: `{ UserId, Account, Arn }`.',
  effect: 'read',
  input: { type: 'object', additionalProperties: false, properties: {} },

  async run(ctx): Promise<JsonValue> {
    const { sdk, client, callOptions } = await awsClient(ctx, 'sts');
    return toPlainJson(await client.send(new sdk.GetCallerIdentityCommand({}), callOptions));
  },
});
