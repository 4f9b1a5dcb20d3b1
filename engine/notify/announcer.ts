import { formatDuration } from '../duration.js';
import type { RunEvent, RunObserver } from '../execute/events.js';
import type { JsonObject } from '../json.js';
import type { Redactor } from '../secrets.js';
import { endingEvent, endingNotification, waitingNotification, type RunEnding, type RunFacts } from './compose-notification.js';
import type { Notification } from './notify-channel.js';
import type { ResolvedTarget } from './notify-targets.js';

export interface AnnouncerSetup {
  targets: readonly ResolvedTarget[];
  facts: RunFacts;
  redactor: Redactor;
  /** The run's settings blocks, resolved, for a channel that reads one (a cloud's profile). */
  settings(name: string): JsonObject;
  /** Says on stderr that a notification could not be delivered. */
  warn(message: string): void;
}

/**
 * Tells a run's `notify:` targets that it waits at an approval (as the event comes) and how it
 * ended (once it is over). A delivery that fails or takes longer than its target's timeout is a
 * warning: it never fails the run, changes its exit code or holds it.
 */
export class Announcer implements RunObserver {
  constructor(private readonly setup: AnnouncerSetup) {}

  async onEvent(event: RunEvent): Promise<void> {
    if (event.type === 'approval-waiting') await this.announce(waitingNotification(this.setup.facts, event, this.setup.redactor));
  }

  async ended(ending: RunEnding): Promise<void> {
    const event = endingEvent(ending.status);
    if (event) await this.announce(endingNotification(this.setup.facts, ending, event, this.setup.redactor));
  }

  private async announce(notification: Notification): Promise<void> {
    const targets = this.setup.targets.filter((target) => target.on.includes(notification.event));
    await Promise.all(targets.map((target) => this.deliver(target, notification)));
  }

  private async deliver(target: ResolvedTarget, notification: Notification): Promise<void> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // a channel that ignores its signal is still given up on: the race bounds the wait
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new DeliveryTimeout(target.timeoutMs));
      }, target.timeoutMs);
    });
    try {
      const sending = target.channel.load().then(({ default: sender }) => sender.send(target.address, notification, { settings: (name) => this.setup.settings(name), signal: controller.signal }));
      sending.catch(() => undefined);
      await Promise.race([sending, timedOut]);
    } catch (error) {
      const what = this.setup.redactor.text(`could not notify ${target.channel.describe(target.address)} (${target.from}) that the run ${notification.event === 'waiting' ? 'waits' : notification.event}: ${reason(error)}`);
      this.setup.warn(what);
    } finally {
      clearTimeout(timer);
    }
  }
}

class DeliveryTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${formatDuration(timeoutMs)}`);
  }
}

/** Why a delivery failed, in a few words: fetch hides the socket's reason in `cause`. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed';
  if (error.message === 'fetch failed' && typeof cause?.message === 'string') return cause.message;
  return error.message;
}
