import type { Redis } from 'ioredis';
import type { Egress } from '../domain/egress.js';
import type { InboundMessage, Platform } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import { queuePosition } from '../queue/queue-position.js';

/** How long a message may wait unseen before the herald shows it is in line: under the second people notice. */
export const HERALD_DELAY_MS = 700;
/** How often a waiting message's place is looked at again. */
const LOOK_AGAIN_MS = 4000;
/** A message still in line after this long is left to the queue's own alerts: its asker has been told many times. */
const GIVE_UP_MS = 30 * 60_000;

/** What the asker reads while their message waits (Slack shows it after the app's name: "Xiaoliu is in line…"). */
export function queuedStatus(ahead: number | undefined): string {
  if (ahead === undefined) return 'is in line…';
  if (ahead === 0) return 'is in line: yours is next…';
  return `is in line: ${ahead} ${ahead === 1 ? 'message' : 'messages'} ahead of yours…`;
}

/**
 * The gateway's sign of life for a message no worker has taken yet. A worker shows its own as soon as it takes a
 * message ("is thinking…", a placeholder, a stream); when every worker is busy, the message would otherwise show
 * nothing until one frees up. So every message the gateway queues is looked at once HERALD_DELAY_MS later, in one
 * Redis round trip (src/queue/queue-position.ts): if it is still waiting, the platform shows that it is in line and
 * how many messages go first (Slack's thread status or a reaction, Discord's typing indicator, a `queued` event for
 * the HTTP API and the terminal), updated while it waits, until a worker takes it. A message behind an earlier one of
 * its own thread shows that answer being written instead. Best effort: a failure here is never the message's.
 */
export class Herald {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly deps: {
      redis: Redis;
      prefix: string;
      egress: ReadonlyMap<Platform, Egress>;
      log: Logger;
      /** Tests shorten the first look, the looks after it and how long the herald keeps looking. */
      delayMs?: number;
      lookAgainMs?: number;
      giveUpMs?: number;
    },
  ) {}

  /** Looks after a message just queued. */
  watch(message: InboundMessage): void {
    const egress = this.deps.egress.get(message.platform);
    if (!egress?.showQueued || this.closed) return;
    const since = Date.now();
    let shown: { ahead: number | undefined; at: number } | undefined;
    const look = async (): Promise<void> => {
      const position = await queuePosition(this.deps.redis, this.deps.prefix, message);
      if (position.state === 'gone' || position.state === 'started') {
        if (shown) await egress.clearQueued?.(message, position.state === 'gone');
        return;
      }
      if (position.state === 'waiting') {
        const refresh = shown && egress.queuedRefreshMs !== undefined && Date.now() - shown.at >= egress.queuedRefreshMs;
        if (!shown || shown.ahead !== position.ahead || refresh) {
          if ((await egress.showQueued!(message, position.ahead, !shown)) !== false) shown = { ahead: position.ahead, at: Date.now() };
        }
      }
      if (Date.now() - since < (this.deps.giveUpMs ?? GIVE_UP_MS)) this.after(this.deps.lookAgainMs ?? LOOK_AGAIN_MS, look, message);
      // Past GIVE_UP_MS nobody looks any more, so nothing would take the sign away once a worker takes the message:
      // it goes now (an ⏳ left for good would say the message still waits after it was answered).
      else if (shown) await egress.clearQueued?.(message, false);
    };
    this.after(this.deps.delayMs ?? HERALD_DELAY_MS, look, message);
  }

  /** Stops looking (the gateway is stopping); what was shown is replaced by the answers. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private after(ms: number, look: () => Promise<void>, message: InboundMessage): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      look().catch((error: unknown) => this.deps.log.debug({ err: error, deliveryId: message.id }, 'could not show that a message is in line'));
    }, ms);
    // A process with nothing else to do may exit: a sign of life is not a reason to stay up.
    timer.unref();
    this.timers.add(timer);
  }
}
