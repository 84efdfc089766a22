import type { Redis } from 'ioredis';
import type { RelayEvent } from './relay-events.js';

/**
 * The client side of the relay: one Redis subscriber connection per process, shared by everything waiting for an
 * answer (a connection per HTTP request would cost a Redis client each and cap concurrent requests at Redis's
 * maxclients).
 */
export class RelayHub {
  private listeners = new Map<string, (event: RelayEvent) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  /** The connection was lost since it was last ready: what was published meanwhile never arrives. */
  private lost = false;

  /** `subscriber`: a connection of its own (it is put in subscriber mode); closed by `close`. */
  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, raw: string) => {
      const listener = this.listeners.get(channel);
      if (listener) listener(JSON.parse(raw) as RelayEvent);
    });
    subscriber.on('close', () => (this.lost = true));
    subscriber.on('ready', () => {
      if (!this.lost) return;
      this.lost = false;
      // ioredis subscribes again by itself, without telling when that is done; subscribing here (a no-op for Redis)
      // does tell: from then on nothing more is missed, and the listeners can look for what was.
      const channels = [...this.listeners.keys()];
      const resubscribed = channels.length > 0 ? this.subscriber.subscribe(...channels) : Promise.resolve();
      void resubscribed.then(
        () => this.reconnectListeners.forEach((listener) => listener()),
        () => {}, // lost again: the next 'ready' tries again
      );
    });
  }

  /**
   * Calls `listener` after the connection came back from a loss (a Redis restart): events published while it was
   * away are gone, so whoever waits should look for the outcome where it is stored. Returns how to stop.
   */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
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
