import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { conversationKey, type InboundMessage } from '../domain/inbound-message.js';
import { luaScript } from '../redis/lua-script.js';
import { renewLock } from '../redis/token-lock.js';

/*
 * Per-thread ordering on plain BullMQ (its group feature is Pro-only). Each thread (conversation) has a line: a sorted
 * set of the job ids waiting in it, scored by when the platform says each message was sent; and a slot: a lock naming
 * the job that runs. A job runs only while it heads its line and holds the slot; otherwise it steps aside (delayed)
 * and is woken when the job ahead releases the slot. The slot is what makes "one at a time" hold even when a message
 * sent earlier is queued late (a platform redelivery) and becomes the head while a later one runs. A head whose job
 * is no longer alive is cleared, and the slot expires unless renewed, so a lost job or a crashed worker can never
 * block a thread for good. Each step is one script: one round trip to take the slot, one to release it.
 */

const LINE_TTL_SECONDS = 24 * 3600;
/** How long the slot lasts unless renewed; a crashed worker's thread waits at most this long. */
export const THREAD_SLOT_MS = 60_000;

const JOIN_LINE = luaScript(new URL('./join-line.lua', import.meta.url));
const TAKE_SLOT = luaScript<string | number>(new URL('./take-thread-slot.lua', import.meta.url));
const RELEASE_SLOT = luaScript<string | null>(new URL('./release-thread-slot.lua', import.meta.url));

// The key names predate the words "line" and "slot" in the code; they stay, so jobs queued before a deploy keep
// their order after it.
export function lineKey(prefix: string, message: Pick<InboundMessage, 'platform' | 'address'>): string {
  return `${prefix}:line:${conversationKey(message)}`;
}

export function slotKey(prefix: string, message: Pick<InboundMessage, 'platform' | 'address'>): string {
  return `${prefix}:running:${conversationKey(message)}`;
}

/** Puts a message in its thread's line; called right after the job is queued. Idempotent per job id. */
export async function joinLine(redis: Redis, prefix: string, message: InboundMessage, jobId: string): Promise<void> {
  const sentAt = Date.parse(message.sentAt);
  await JOIN_LINE.run(redis, [lineKey(prefix, message)], [Number.isNaN(sentAt) ? Date.now() : sentAt, jobId, LINE_TTL_SECONDS]);
}

/** The ids of the jobs waiting in a thread's line (queued, not yet finished): what deleting its conversation stops. */
export function jobsInLine(redis: Redis, prefix: string, message: Pick<InboundMessage, 'platform' | 'address'>): Promise<string[]> {
  return redis.zrange(lineKey(prefix, message), '0', '-1');
}

/** Whether the job may run now: it heads its line (dead heads are cleared) and holds the thread's slot. */
export async function takeThreadSlot(redis: Redis, prefix: string, queue: Queue, message: InboundMessage, jobId: string): Promise<boolean> {
  const key = lineKey(prefix, message);
  for (;;) {
    const result = await TAKE_SLOT.run(redis, [key, slotKey(prefix, message)], [jobId, THREAD_SLOT_MS]);
    if (typeof result !== 'string') return result === 1;
    const state = await queue.getJobState(result);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    await redis.zrem(key, result);
  }
}

/** Keeps the slot while a long answer streams. */
export async function renewThreadSlot(redis: Redis, prefix: string, message: InboundMessage, jobId: string): Promise<void> {
  await renewLock(redis, slotKey(prefix, message), jobId, THREAD_SLOT_MS);
}

/** Leaves the line, releases the slot and wakes the next job in line, so it does not wait out its delay. */
export async function releaseThreadSlot(redis: Redis, prefix: string, queue: Queue, message: InboundMessage, jobId: string): Promise<void> {
  const next = await RELEASE_SLOT.run(redis, [lineKey(prefix, message), slotKey(prefix, message)], [jobId]);
  if (typeof next !== 'string') return;
  const job = await queue.getJob(next);
  if (job && (await job.isDelayed())) await job.promote().catch(() => {}); // already promoted by someone else
}
