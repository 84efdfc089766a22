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

/** A worker's side: one subscriber connection, and a signal per delivery being answered. */
export class DeletionSignals {
  private readonly watched = new Map<string, Set<AbortController>>();

  /** `subscriber`: a connection of its own (it is put in subscriber mode); closed by `close`. */
  constructor(
    private readonly subscriber: Redis,
    prefix: string,
    log: Logger,
  ) {
    const channel = deletionChannel(prefix);
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
        for (const controller of this.watched.get(String(id)) ?? []) controller.abort(new Error('the conversation was deleted'));
      }
    });
    // ioredis subscribes again by itself after a reconnect.
    subscriber.subscribe(channel).catch((error: unknown) => log.warn({ err: error }, 'could not subscribe to deletions; deleted conversations stop their answers only at the end'));
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
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
