import type { Redis } from 'ioredis';
import type { RelayEvent } from './relay-events.js';

/**
 * The client side of the relay: one Redis subscriber connection per process, shared by everything waiting for an
 * answer (a connection per HTTP request would cost a Redis client each and cap concurrent requests at Redis's
 * maxclients).
 */
export class RelayHub {
  private listeners = new Map<string, (event: RelayEvent) => void>();

  /** `subscriber`: a connection of its own (it is put in subscriber mode); closed by `close`. */
  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, raw: string) => {
      const listener = this.listeners.get(channel);
      if (listener) listener(JSON.parse(raw) as RelayEvent);
    });
  }

  /** Hears a channel's events until the returned function is called. Subscribe before the message is queued. */
  async listen(channel: string, listener: (event: RelayEvent) => void): Promise<() => Promise<void>> {
    this.listeners.set(channel, listener);
    await this.subscriber.subscribe(channel);
    return async () => {
      this.listeners.delete(channel);
      await this.subscriber.unsubscribe(channel).catch(() => {});
    };
  }

  async close(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
