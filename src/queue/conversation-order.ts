import { createHash } from 'node:crypto';
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

// Each step is one Lua script, so a job costs Redis one round trip to start its turn and one to end it.

// Puts a job in its line (only if not there yet) and keeps the line alive for a day.
const REGISTER = `redis.call('zadd', KEYS[1], 'NX', ARGV[1], ARGV[2])
redis.call('expire', KEYS[1], ARGV[3])`;
// The line's head, if it is another job (the caller checks whether it is still alive); else takes the running lock
// if free, or keeps it if this job already holds it (a retry, or a job handed back at shutdown): 1 taken, 0 not.
const TURN = `local head = redis.call('zrange', KEYS[1], 0, 0)[1]
if head and head ~= ARGV[1] then return head end
local v = redis.call('get', KEYS[2])
if v == ARGV[1] then redis.call('pexpire', KEYS[2], ARGV[2]) return 1 end
if v then return 0 end
redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2]) return 1`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
// Leaves the line, releases the lock if this job holds it, and returns the job now heading the line, if any.
const END = `redis.call('zrem', KEYS[1], ARGV[1])
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return redis.call('zrange', KEYS[1], 0, 0)[1]`;

/** Runs a script by its hash (sending its text only the first time Redis has not seen it). */
async function script(redis: Redis, source: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  const sha = SHAS.get(source) ?? createHash('sha1').update(source).digest('hex');
  SHAS.set(source, sha);
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    return redis.eval(source, keys.length, ...keys, ...args);
  }
}
const SHAS = new Map<string, string>();

/** Puts a message in its conversation's line; called right after the job is queued. Idempotent per job id. */
export async function registerTurn(redis: Redis, prefix: string, message: InboundMessage, jobId: string): Promise<void> {
  const sentAt = Date.parse(message.sentAt);
  await script(redis, REGISTER, [lineKey(prefix, message)], [Number.isNaN(sentAt) ? Date.now() : sentAt, jobId, LINE_TTL_SECONDS]);
}

/** Whether the job may run now: it heads its line (dead heads are cleared) and it holds the running lock. */
export async function isMyTurn(redis: Redis, prefix: string, queue: Queue, message: InboundMessage, jobId: string): Promise<boolean> {
  const key = lineKey(prefix, message);
  for (;;) {
    const result = await script(redis, TURN, [key, lockKey(prefix, message)], [jobId, TURN_LOCK_MS]);
    if (typeof result !== 'string') return result === 1;
    const state = await queue.getJobState(result);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    await redis.zrem(key, result);
  }
}

/** Keeps the running lock while a long answer streams. */
export async function renewTurn(redis: Redis, prefix: string, message: InboundMessage, jobId: string): Promise<void> {
  await script(redis, RENEW, [lockKey(prefix, message)], [jobId, TURN_LOCK_MS]);
}

/** Leaves the line, releases the lock and wakes the next job in line, so it does not wait out its delay. */
export async function endTurn(redis: Redis, prefix: string, queue: Queue, message: InboundMessage, jobId: string): Promise<void> {
  const next = await script(redis, END, [lineKey(prefix, message), lockKey(prefix, message)], [jobId]);
  if (typeof next !== 'string') return;
  const job = await queue.getJob(next);
  if (job && (await job.isDelayed())) await job.promote().catch(() => {}); // already promoted by someone else
}
