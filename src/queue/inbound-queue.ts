import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InboundMessage } from '../domain/inbound-message.js';
import { registerTurn } from './conversation-order.js';

/** The one queue every adapter feeds and every worker drains. */
export const INBOUND_QUEUE = 'inbound';

/** What a job carries: the normalized message only. Never a token or any other secret. */
export interface InboundJobData {
  message: InboundMessage;
}

/**
 * BullMQ job ids may not be integer strings and may not contain ':'; a prefix and a substitution make any delivery
 * id safe while keeping it readable in Redis. Same delivery id → same job id, so a redelivery adds nothing.
 */
export function jobIdFor(deliveryId: string): string {
  return `m-${deliveryId.replaceAll(':', '_')}`;
}

export interface InboundProducer {
  /** Queues a message for the workers; a message already queued or recently finished is not queued again. */
  enqueue(message: InboundMessage): Promise<void>;
  /** The underlying queue, for depth metrics and readiness. */
  readonly queue: Queue<InboundJobData>;
  close(): Promise<void>;
}

export function createInboundProducer(options: { redis: Redis; prefix: string; jobAttempts: number }): InboundProducer {
  const queue = new Queue<InboundJobData>(INBOUND_QUEUE, {
    connection: options.redis,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: options.jobAttempts,
      backoff: { type: 'exponential', delay: 1000 },
      // Finished jobs are the dedupe window of last resort (Postgres holds the real idempotency key): keep enough
      // to catch platform redeliveries, which come within minutes, without letting Redis grow.
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  });
  return {
    queue,
    async enqueue(message) {
      const jobId = jobIdFor(message.id);
      // Queued first, then put in its thread's line: a job in the line whose state is still unknown would be taken
      // for a dead one and cleared. A job briefly outside the line can't run alongside another: the lock sees to it.
      await queue.add('message', { message }, { jobId });
      await registerTurn(options.redis, options.prefix, message, jobId);
    },
    close: () => queue.close(),
  };
}
