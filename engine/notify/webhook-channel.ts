import type { NotifyChannel } from './notify-channel.js';

const URL_RULE = 'must be an http:// or https:// URL, or hold a ${{ }} expression that gives one (such as ${{ params.webhookUrl }})';

/**
 * A URL that receives a JSON POST with a `text` field, which Slack-style incoming webhooks
 * (Slack, Mattermost, Google Chat, Teams workflows) post as a message, and `stepwise` with the
 * same facts as fields. The engine's own channel: it is plain HTTP.
 */
export const webhookChannel: NotifyChannel = {
  name: 'webhook',
  schema: {
    type: 'string',
    pattern: '^(https?://[^\\s/?#]+\\S*|[\\s\\S]*\\$\\{\\{[\\s\\S]*)$',
    patternErrorMessage: URL_RULE,
    description: 'A URL that receives a JSON POST with a `text` field (a Slack-style incoming webhook). Treated as a secret: never shown whole.',
  },
  markdown:
    'A URL that receives a JSON `POST` whose `text` field is the message (a Slack-style incoming webhook) and whose `stepwise` field holds the same facts as fields. ' +
    'The URL is a credential: give it from a secret param (`${{ params.webhookUrl }}`) or the environment (`${{ env.OPS_WEBHOOK }}`). It is never shown whole.',
  secretAddress: true,
  checkAddress(address) {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return URL_RULE;
    }
    return url.protocol === 'http:' || url.protocol === 'https:' ? true : URL_RULE;
  },
  describe(address) {
    try {
      return `webhook ${new URL(address).origin}/…`;
    } catch {
      return 'webhook';
    }
  },
  load: () => import('./send-webhook.js'),
};
