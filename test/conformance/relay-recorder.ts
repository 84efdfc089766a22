import { Redis } from 'ioredis';
import type { RelayEvent } from '../../src/relay/relay-events.js';
import { TEST_REDIS_URL } from '../support/test-app.js';

/**
 * Hears every relay channel under a prefix, as the terminal and the HTTP API hear theirs (src/relay/), and keeps the
 * events by channel. `settled` publishes a marker after the egress's own publishes on the same connection: Redis
 * delivers a channel's messages in order, so once the marker arrives, everything published before it has too.
 */
export class RelayRecorder {
  private readonly events = new Map<string, RelayEvent[]>();
  private readonly markers = new Map<string, () => void>();
  private nextMarker = 0;

  private constructor(private readonly subscriber: Redis) {
    subscriber.on('pmessage', (_pattern: string, channel: string, raw: string) => {
      const event = JSON.parse(raw) as RelayEvent | { type: 'conformance-marker'; id: string };
      if (event.type === 'conformance-marker') return this.markers.get(event.id)?.();
      this.events.set(channel, [...(this.events.get(channel) ?? []), event]);
    });
  }

  static async start(prefix: string): Promise<RelayRecorder> {
    const subscriber = new Redis(TEST_REDIS_URL);
    await subscriber.psubscribe(`${prefix}:*`);
    return new RelayRecorder(subscriber);
  }

  /** The channel's events so far, once everything `publisher` published on it has arrived. */
  async settled(publisher: Redis, channel: string): Promise<RelayEvent[]> {
    const id = String(++this.nextMarker);
    const arrived = new Promise<void>((resolve) => this.markers.set(id, resolve));
    await publisher.publish(channel, JSON.stringify({ type: 'conformance-marker', id }));
    await arrived;
    this.markers.delete(id);
    return this.events.get(channel) ?? [];
  }

  async close(): Promise<void> {
    await this.subscriber.quit();
  }
}
