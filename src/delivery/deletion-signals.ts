import type { Redis } from 'ioredis';
import type { Logger } from '../log/create-logger.js';

/**
 * When a conversation is deleted while one of its messages is being answered, the answer must stop: its model call
 * is aborted and nothing more is posted or stored. The deletion happens in a gateway and the answer in any worker, so
 * the deletion is announced over Redis pub/sub, naming the deliveries. A worker that misses the announcement (Redis
 * away at that moment) still loses: the delivery is marked 'deleted' in Postgres, so the answer's insert fails and no
 * retry answers it (src/delivery/deliver.ts); the announcement only makes that happen now rather than at the end.
 */
export function deletionChannel(prefix: string): string {
  return `${prefix}:deleted-deliveries`;
}

/** Tells every worker to stop answering these deliveries (best effort: Postgres has the last word). */
export async function announceDeletion(redis: Redis, prefix: string, deliveryIds: readonly string[]): Promise<void> {
  if (deliveryIds.length > 0) await redis.publish(deletionChannel(prefix), JSON.stringify(deliveryIds));
}

/**
 * Stop on an answer (src/interactions/): the gateway that took the click announces the delivery on this channel, and
 * the worker answering it aborts the model call and keeps what was written (src/delivery/deliver.ts).
 */
export function stopChannel(prefix: string): string {
  return `${prefix}:stopped-deliveries`;
}

/** Tells every worker to stop answering this delivery now, keeping what it wrote so far. */
export async function announceStop(redis: Redis, prefix: string, deliveryId: string): Promise<void> {
  await redis.publish(stopChannel(prefix), JSON.stringify([deliveryId]));
}

/** What the abort of a stopped answer says. */
export const STOPPED_REASON = 'stopped by its asker';

/**
 * A worker's side: one subscriber connection, and a signal per delivery being answered. The same class follows the
 * stop announcements (`channel`: stopChannel), on the same connection (`ownsSubscriber` false: the deletions' closes it).
 */
export class DeletionSignals {
  private readonly watched = new Map<string, Set<AbortController>>();

  /** `subscriber`: a connection of its own (it is put in subscriber mode); closed by `close`. */
  constructor(
    private readonly subscriber: Redis,
    prefix: string,
    log: Logger,
    private readonly options: { channel?: string; reason?: string; ownsSubscriber?: boolean } = {},
  ) {
    const channel = options.channel ?? deletionChannel(prefix);
    const reason = options.reason ?? 'the conversation was deleted';
    subscriber.on('message', (from: string, raw: string) => {
      if (from !== channel) return;
      let ids: unknown;
      try {
        ids = JSON.parse(raw);
      } catch {
        return;
      }
      if (!Array.isArray(ids)) return;
      for (const id of ids) {
        for (const controller of this.watched.get(String(id)) ?? []) controller.abort(new Error(reason));
      }
    });
    // ioredis subscribes again by itself after a reconnect.
    subscriber.subscribe(channel).catch((error: unknown) => log.warn({ err: error, channel }, 'could not subscribe to an announcement channel; its answers stop only at the end'));
  }

  /** A signal aborted when the delivery's conversation is deleted; `dispose` once the attempt is over. */
  watch(deliveryId: string): { signal: AbortSignal; dispose(): void } {
    const controller = new AbortController();
    let set = this.watched.get(deliveryId);
    if (!set) this.watched.set(deliveryId, (set = new Set()));
    set.add(controller);
    return {
      signal: controller.signal,
      dispose: () => {
        set.delete(controller);
        if (set.size === 0 && this.watched.get(deliveryId) === set) this.watched.delete(deliveryId);
      },
    };
  }

  async close(): Promise<void> {
    if (this.options.ownsSubscriber === false) return;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
