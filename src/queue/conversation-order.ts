import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { conversationKey, type InboundMessage } from '../domain/inbound-message.js';

/*
 * Per-conversation ordering on plain BullMQ (its group feature is Pro-only). Each conversation has a sorted set of
 * the job ids waiting in it, scored by when the platform says each message was sent, and a running lock. A job may
 * run only while it heads its set and holds the lock; otherwise it steps aside (delayed) and is promoted when the job
 * ahead finishes. The lock is what makes "one at a time" hold even when a message sent earlier is queued late (a
 * platform redelivery) and becomes the head while a later one runs. A head whose job is no longer alive is cleared,
 * and the lock expires unless renewed, so a lost job or a crashed worker can never block a thread for good.
 */

const LINE_TTL_SECONDS = 24 * 3600;
/** How long the running lock lasts unless renewed; a crashed worker's thread waits at most this long. */
export const TURN_LOCK_MS = 60_000;

function lineKey(prefix: string, message: Pick<InboundMessage, 'platform' | 'address'>): string {
  return `${prefix}:line:${conversationKey(message)}`;
}

function lockKey(prefix: string, message: Pick<InboundMessage, 'platform' | 'address'>): string {
  return `${prefix}:running:${conversationKey(message)}`;
}

// Take the lock if free, or keep it if this job already holds it (a retry, or a job handed back at shutdown).
const TAKE = `local v = redis.call('get', KEYS[1])
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if v then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** Puts a message in its conversation's line; called right after the job is queued. Idempotent per job id. */
export async function registerTurn(redis: Redis, prefix: string, message: InboundMessage, jobId: string): Promise<void> {
  const key = lineKey(prefix, message);
  const sentAt = Date.parse(message.sentAt);
  await redis
    .multi()
    .zadd(key, 'NX', String(Number.isNaN(sentAt) ? Date.now() : sentAt), jobId)
    .expire(key, LINE_TTL_SECONDS)
    .exec();
}

/** Whether the job may run now: it heads its line (dead heads are cleared) and it holds the running lock. */
export async function isMyTurn(redis: Redis, prefix: string, queue: Queue, message: InboundMessage, jobId: string): Promise<boolean> {
  const key = lineKey(prefix, message);
  for (;;) {
    const [head] = await redis.zrange(key, '0', '0');
    if (head !== undefined && head !== jobId) {
      const state = await queue.getJobState(head);
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
      await redis.zrem(key, head);
      continue;
    }
    return (await redis.eval(TAKE, 1, lockKey(prefix, message), jobId, String(TURN_LOCK_MS))) === 1;
  }
}

/** Keeps the running lock while a long answer streams. */
export async function renewTurn(redis: Redis, prefix: string, message: InboundMessage, jobId: string): Promise<void> {
  await redis.eval(RENEW, 1, lockKey(prefix, message), jobId, String(TURN_LOCK_MS));
}

/** Leaves the line, releases the lock and wakes the next job in line, so it does not wait out its delay. */
export async function endTurn(redis: Redis, prefix: string, queue: Queue, message: InboundMessage, jobId: string): Promise<void> {
  const key = lineKey(prefix, message);
  await redis.zrem(key, jobId);
  await redis.eval(RELEASE, 1, lockKey(prefix, message), jobId);
  const [next] = await redis.zrange(key, '0', '0');
  if (next === undefined) return;
  const job = await queue.getJob(next);
  if (job && (await job.isDelayed())) await job.promote().catch(() => {}); // already promoted by someone else
}
