import type { Redis } from 'ioredis';
import type { InboundMessage } from '../domain/inbound-message.js';
import { luaScript } from '../redis/lua-script.js';
import { INBOUND_QUEUE, jobIdFor } from './inbound-queue.js';
import { lineKey, slotKey } from './thread-slot.js';

/**
 * Where a queued message stands: `gone` (answered, or removed), `started` (a worker has it), `behind` (an earlier
 * message of its thread is being answered: that answer is what its thread shows), or `waiting`, with how many
 * messages workers take before it (undefined when unknown: delayed for a retry).
 */
export type QueuePosition = { state: 'gone' | 'started' | 'behind' } | { state: 'waiting'; ahead: number | undefined };

const POSITION = luaScript<[QueuePosition['state'], number]>(new URL('./queue-position.lua', import.meta.url));

/** One round trip: reads the job, the queue's lists and the thread's line and slot together. */
export async function queuePosition(redis: Redis, prefix: string, message: InboundMessage): Promise<QueuePosition> {
  const jobId = jobIdFor(message.id);
  const queue = `${prefix}:${INBOUND_QUEUE}`;
  const [state, ahead] = await POSITION.run(
    redis,
    [`${queue}:${jobId}`, `${queue}:wait`, `${queue}:active`, lineKey(prefix, message), slotKey(prefix, message)],
    [jobId],
  );
  return state === 'waiting' ? { state, ahead: ahead >= 0 ? ahead : undefined } : { state };
}
