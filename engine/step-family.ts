import type { JsonSchema } from './json.js';
import type { NotifyChannel } from './notify/notify-channel.js';

export type { Notification, NotifyChannel, NotifyContext, NotifyEvent, NotifySender } from './notify/notify-channel.js';

/** Loads a step type's module; a family's catalog maps each of its types to one of these. */
export type StepLoader = () => Promise<{ default: unknown }>;

export type StepCatalog = Readonly<Record<string, StepLoader>>;

/**
 * What a family of step types adds to the engine besides its types: the settings block its
 * steps read, the command-line options that override that block, expression functions, and
 * the places a run can be announced to (`notify:` channels).
 * The built-in families (the catalog.ts of each folder of steps/) declare theirs this way, composed in
 * engine/cli/builtins.ts; the engine knows none of them by name.
 */
export interface StepFamily {
  steps: StepCatalog;
  settings?: readonly SettingsBlock[];
  functions?: readonly ExpressionFunction[];
  notifyChannels?: readonly NotifyChannel[];
  /** Who the person running stepwise is, as the family's system knows them: how approvals name approvers. */
  identity?: IdentitySource;
}

/**
 * Tells who runs this process (a cloud account's principal) when its credentials are there.
 * Approvals use the first family's that answers, else `user@host`.
 */
export interface IdentitySource {
  /** What the identity is, for messages and help: `the ARN of the cloud principal whose credentials are in use`. */
  describe: string;
  /**
   * The identity; undefined when there are no credentials; `failed` with why, when there are
   * some but they did not tell who (expired, refused, unreachable): the person is told, since
   * approvers would not know them by the fallback. Must answer within a few seconds, and never
   * throw: an approval must not hang or fail for want of a cloud account.
   */
  identify(): Promise<string | IdentityFailure | undefined>;
}

/** Credentials were there but did not tell who: `could not ask <provider> who you are (<cause>)`. */
export interface IdentityFailure {
  failed: string;
}

/**
 * A top-level key of the runbook, such as `cloud: { region: ... }`, checked against `schema`
 * with the rest of the document (problems located as any other), its expressions evaluated
 * when the run starts, and given to steps by `ctx.settings(name)`.
 */
export interface SettingsBlock {
  name: string;
  /** The block's JSON Schema, `description` included: it is the runbook schema's property. */
  schema: JsonSchema;
  /** Shown by editors on hover, in Markdown. */
  markdown: string;
  /** Command-line options of `run`, `plan` and `resume` that win over one setting each. */
  options?: readonly SettingOption[];
}

export interface SettingOption {
  /** As commander takes them, such as `--region <name>`, or `--no-x` to set a boolean setting to false. */
  flags: string;
  /** The setting of the block it overrides. */
  setting: string;
  /** Said by `--help`; `run` and `plan` add which setting it overrides. */
  description: string;
}

/** The JMESPath types an expression function's argument may have. */
export type ArgumentType = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'any';

/** A function expressions may call, such as `semver_satisfies(params.version, '>=1')`. */
export interface ExpressionFunction {
  name: string;
  /** One type per argument, in order; a call with other arguments is refused by JMESPath. */
  parameters: readonly ArgumentType[];
  /** Throws an Error whose message says what value was wrong and what would be allowed. */
  implementation: (args: unknown[]) => unknown;
}
