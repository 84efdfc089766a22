import type { Redis } from 'ioredis';
import type { HttpEvent } from './http-events.js';

/**
 * One Redis subscriber connection per gateway, shared by every request waiting for an answer: a connection per
 * request would cost a Redis client each and cap concurrent requests at Redis's maxclients.
 */
export class AnswerHub {
  private listeners = new Map<string, (event: HttpEvent) => void>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, raw: string) => {
      const listener = this.listeners.get(channel);
      if (listener) listener(JSON.parse(raw) as HttpEvent);
    });
  }

  /** Hears a delivery's events until the returned function is called. Subscribed before the job is queued. */
  async listen(channel: string, listener: (event: HttpEvent) => void): Promise<() => Promise<void>> {
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
