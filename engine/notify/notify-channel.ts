import type { JsonObject, JsonSchema } from '../json.js';

/** What a run announces: it waits at an approval, it ended without succeeding, it succeeded. */
export const NOTIFY_EVENTS = ['waiting', 'failed', 'succeeded'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** One announcement, already redacted, as every channel receives it. */
export interface Notification {
  event: NotifyEvent;
  /** One line, such as `stepwise: deploy-api 1.2.0 failed (run 20261203-101500-ab12)`. */
  subject: string;
  /** Plain text of a few lines: what happened and what to type next. */
  text: string;
  /** The same facts as fields, for a receiver that reads them rather than the text. */
  fields: JsonObject;
}

/** What a channel may use while it delivers: the run's settings blocks, and when to give up. */
export interface NotifyContext {
  settings(name: string): JsonObject;
  /** Aborts once the delivery has taken its time: a channel passes it to every request. */
  signal: AbortSignal;
}

/** Delivers to one address; throws an Error that says, in a few words, why it could not. */
export interface NotifySender {
  send(address: string, notification: Notification, context: NotifyContext): Promise<void>;
}

/**
 * A kind of place a run can be announced to: a key of a `notify:` target, such as
 * `webhook: https://...`. The engine has the webhook; a family declares others (a message
 * topic) as it declares its settings blocks.
 */
export interface NotifyChannel {
  /** The key in a `notify:` target, lower case. */
  name: string;
  /** The JSON Schema of the key's value, description included; a value holding `${{ }}` is checked once resolved. */
  schema: JsonSchema;
  /** Shown by editors on hover and in the docs, in Markdown. */
  markdown: string;
  /** The address is a credential (a webhook's URL): the run redacts it wherever it would show. */
  secretAddress: boolean;
  /** True when a resolved address is what the schema asks for; else the words of what it must be. */
  checkAddress(address: string): true | string;
  /** The address as a warning may show it: a webhook's address is a credential, its host is not. */
  describe(address: string): string;
  /** Loaded only when a run announces through the channel. */
  load(): Promise<{ default: NotifySender }>;
}
