import { parseDuration } from '../duration.js';
import { resolveValue, type Scope } from '../expressions/evaluate.js';
import { isJsonObject, type JsonValue } from '../json.js';
import { NOTIFY_EVENTS, type NotifyChannel, type NotifyEvent } from './notify-channel.js';
import { DEFAULT_NOTIFY_TIMEOUT } from './notify-schema.js';

/** One channel and address of a `notify:` block, as written: the address may hold `${{ }}`. */
export interface NotifyTarget {
  channel: NotifyChannel;
  address: JsonValue;
  on: readonly NotifyEvent[];
  timeoutMs: number;
  /** Where it was declared, for a warning: `the runbook's notify`, or the config file. */
  from: string;
}

/** A target whose address is known: what a run delivers to. */
export interface ResolvedTarget extends Omit<NotifyTarget, 'address'> {
  address: string;
}

/**
 * The targets of a `notify:` value that passed the schema: one per channel key of each target,
 * so that `{ webhook: ..., sns: ..., on: [failed] }` is two targets hearing the same events.
 */
export function notifyTargets(value: JsonValue | undefined, channels: readonly NotifyChannel[], from: string): NotifyTarget[] {
  if (value === undefined || value === null) return [];
  const written = Array.isArray(value) ? value : [value];
  return written.filter(isJsonObject).flatMap((target) => {
    const on = Array.isArray(target.on) ? (target.on.filter((event) => (NOTIFY_EVENTS as readonly JsonValue[]).includes(event)) as NotifyEvent[]) : NOTIFY_EVENTS;
    const timeoutMs = parseDuration(typeof target.timeout === 'string' ? target.timeout : DEFAULT_NOTIFY_TIMEOUT) ?? parseDuration(DEFAULT_NOTIFY_TIMEOUT)!;
    return channels.filter((channel) => target[channel.name] !== undefined).map((channel) => ({ channel, address: target[channel.name]!, on, timeoutMs, from }));
  });
}

/**
 * Each address with its expressions evaluated, as the run starts. An address that cannot be
 * evaluated, or that is not what its channel takes, is left out with a problem to warn of: a
 * notification never stops a run.
 */
export function resolveTargets(targets: readonly NotifyTarget[], scope: Scope): { targets: ResolvedTarget[]; problems: string[] } {
  const resolved: ResolvedTarget[] = [];
  const problems: string[] = [];
  for (const target of targets) {
    const { channel } = target;
    let address: unknown;
    try {
      address = resolveValue(target.address, scope);
    } catch (error) {
      problems.push(`${channel.name} of ${target.from}: ${(error as Error).message}`);
      continue;
    }
    if (typeof address !== 'string' || address.trim() === '') {
      problems.push(`${channel.name} of ${target.from} gave ${address === null ? 'nothing' : `a ${typeof address}`}: it is left out`);
      continue;
    }
    const verdict = channel.checkAddress(address.trim());
    if (verdict !== true) {
      problems.push(`${channel.name} of ${target.from} ${verdict}; it gave something else and is left out`);
      continue;
    }
    resolved.push({ ...target, address: address.trim() });
  }
  return { targets: mergeSameAddresses(resolved), problems };
}

/** The runbook and the repository's config may name the same place: it hears each event once. */
function mergeSameAddresses(targets: readonly ResolvedTarget[]): ResolvedTarget[] {
  const merged = new Map<string, ResolvedTarget>();
  for (const target of targets) {
    const key = `${target.channel.name}\n${target.address}`;
    const known = merged.get(key);
    if (!known) merged.set(key, target);
    else merged.set(key, { ...known, on: NOTIFY_EVENTS.filter((event) => known.on.includes(event) || target.on.includes(event)), timeoutMs: Math.max(known.timeoutMs, target.timeoutMs) });
  }
  return [...merged.values()];
}
