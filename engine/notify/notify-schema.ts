import { DURATION_PATTERN } from '../duration.js';
import type { JsonSchema } from '../json.js';
import { NOTIFY_EVENTS, type NotifyChannel } from './notify-channel.js';

/** How long a delivery may take when a target does not say: a dead endpoint must never hold the run. */
export const DEFAULT_NOTIFY_TIMEOUT = '5s';


/**
 * `notify:`: one target or a list of them. A target names one or more channels (`webhook:`,
 * `sns:`, ...), and optionally which events it hears and how long a delivery may take.
 */
export function notifySchema(channels: readonly NotifyChannel[]): JsonSchema {
  const target: JsonSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...Object.fromEntries(channels.map((channel) => [channel.name, { ...channel.schema, markdownDescription: channel.markdown }])),
      on: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { enum: [...NOTIFY_EVENTS] },
        description: `Which events this target hears (default all): ${NOTIFY_EVENTS.join(', ')}.`,
      },
      timeout: {
        type: 'string',
        pattern: DURATION_PATTERN,
        patternErrorMessage: 'must be a duration such as 500ms, 5s or 1m',
        description: `How long one delivery may take before it is given up with a warning (default ${DEFAULT_NOTIFY_TIMEOUT}).`,
      },
    },
    anyOf: channels.map((channel) => ({ required: [channel.name] })),
  };
  return {
    description: 'Where to announce that a run waits for approval, failed or succeeded: a target, or a list of them.',
    anyOf: [target, { type: 'array', minItems: 1, items: target }],
  };
}
