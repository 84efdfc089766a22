import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InboundMessage } from '../domain/inbound-message.js';
import { withoutNul } from '../domain/without-nul.js';
import type { ReplicaConfirm } from '../redis/replica-confirm.js';
import { joinLine } from './thread-slot.js';

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
  /**
   * Queues a message for the workers; a message already queued or recently finished is not queued again. Fails at
   * once while Redis is unreachable (Slack and HTTP clients deliver again), unless `patient`: for platforms that
   * never redeliver (Discord, the shell), it keeps trying for up to `PATIENCE_MS`.
   */
  enqueue(message: InboundMessage, options?: { patient?: boolean }): Promise<void>;
  /** The underlying queue, for depth metrics and readiness. */
  readonly queue: Queue<InboundJobData>;
  /** The connection it queues through: whether Redis answers, and when it goes away. */
  readonly redis: Redis;
  close(): Promise<void>;
}

/** How long a patient enqueue keeps trying while Redis is away. */
export const PATIENCE_MS = 10 * 60_000;

export function createInboundProducer(options: {
  redis: Redis;
  prefix: string;
  jobAttempts: number;
  /** With a replica to fail over to: a message counts as queued once a replica holds it too (REDIS_REPLICA_WAIT_MS). */
  confirm?: ReplicaConfirm;
}): InboundProducer {
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
  const add = async (given: InboundMessage) => {
    const message = withoutNul(given);
    const jobId = jobIdFor(message.id);
    const mark = options.confirm?.mark();
    // Queued first, then put in its thread's line: a job in the line whose state is still unknown would be taken
    // for a dead one and cleared. A job briefly outside the line can't run alongside another: the thread's slot
    // sees to it.
    await queue.add('message', { message }, { jobId });
    await joinLine(options.redis, options.prefix, message, jobId);
    if (mark !== undefined) await options.confirm!.confirm(mark);
  };
  return {
    queue,
    redis: options.redis,
    async enqueue(message, { patient = false } = {}) {
      const deadline = Date.now() + PATIENCE_MS;
      for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
        try {
          return await add(message);
        } catch (error) {
          if (!patient || Date.now() + delay > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    },
    close: () => queue.close(),
  };
}
