import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { conversationKey, type InboundMessage } from '../domain/inbound-message.js';

/*
 * Per-conversation ordering on plain BullMQ (its group feature is Pro-only). Each conversation has a sorted set of
 * the job ids waiting in it, scored by when the platform says each message was sent. A job may run only while it
 * heads its set; otherwise it steps aside (delayed) and is promoted when the job ahead finishes. The head only
 * counts while its job is alive, so a job that was lost or already finished can never block a thread for good.
 */

const LINE_TTL_SECONDS = 24 * 3600;

function lineKey(prefix: string, message: Pick<InboundMessage, 'platform' | 'address'>): string {
  return `${prefix}:line:${conversationKey(message)}`;
}

/** Puts a message in its conversation's line; called before the job is queued. Idempotent per job id. */
export async function registerTurn(redis: Redis, prefix: string, message: InboundMessage, jobId: string): Promise<void> {
  const key = lineKey(prefix, message);
  const sentAt = Date.parse(message.sentAt);
  await redis
    .multi()
    .zadd(key, 'NX', String(Number.isNaN(sentAt) ? Date.now() : sentAt), jobId)
    .expire(key, LINE_TTL_SECONDS)
    .exec();
}

/** Whether the job heads its conversation's line, clearing heads whose jobs are no longer alive. */
export async function isMyTurn(redis: Redis, prefix: string, queue: Queue, message: InboundMessage, jobId: string): Promise<boolean> {
  const key = lineKey(prefix, message);
  for (;;) {
    const [head] = await redis.zrange(key, '0', '0');
    if (head === undefined || head === jobId) return true;
    const state = await queue.getJobState(head);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    await redis.zrem(key, head);
  }
}

/** Leaves the line and wakes the next job in it, so it does not wait out its delay. */
export async function endTurn(redis: Redis, prefix: string, queue: Queue, message: InboundMessage, jobId: string): Promise<void> {
  const key = lineKey(prefix, message);
  await redis.zrem(key, jobId);
  const [next] = await redis.zrange(key, '0', '0');
  if (next === undefined) return;
  const job = await queue.getJob(next);
  if (job && (await job.isDelayed())) await job.promote().catch(() => {}); // already promoted by someone else
}
