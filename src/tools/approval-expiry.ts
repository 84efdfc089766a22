import { hostname } from 'node:os';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/read-config.js';
import type { Logger } from '../log/create-logger.js';
import type { InboundProducer } from '../queue/inbound-queue.js';
import { createRedis } from '../redis/create-redis.js';
import type { Sql } from '../store/database.js';
import { expireApproval, findApprovalById } from '../store/tool-approvals.js';
import { continuationOf } from './decide-tool-call.js';
import { questionOf } from '../store/answers.js';

/**
 * A queue of its own for the approvals' timeouts: a delayed job in the inbound queue would stand in its thread's
 * line (src/queue/thread-slot.ts) and hold up every later message there for the whole wait.
 */
export const APPROVAL_QUEUE = 'tool-approvals';

const queues = new WeakMap<Redis, Queue<{ id: string }>>();

/** Sets the timeout of one approval: when it fires, a call still pending lapses and the thread is told. */
export async function scheduleApprovalExpiry(redis: Redis, prefix: string, id: string, delayMs: number): Promise<void> {
  let queue = queues.get(redis);
  if (!queue) {
    queue = new Queue<{ id: string }>(APPROVAL_QUEUE, { connection: redis, prefix });
    queue.on('error', () => undefined);
    queues.set(redis, queue);
  }
  // One job per approval: a retried job that pauses again sets no second timeout.
  await queue.add('expire', { id }, { jobId: `expire-${id}`, delay: delayMs, attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: { age: 7 * 86_400 } });
}

/** Closes the queue scheduleApprovalExpiry made on this connection, if it made one (before the connection quits). */
export async function closeApprovalQueue(redis: Redis): Promise<void> {
  const queue = queues.get(redis);
  queues.delete(redis);
  await queue?.close().catch(() => undefined);
}

/**
 * Takes the timeouts. One that finds its call still pending marks it expired (a conditional update: a click at the
 * same moment wins or loses whole) and queues the continuation, which tells the thread. One that finds it decided
 * queues the continuation too: a click whose queueing failed (Redis away) still gets its answer, and one queued
 * already is not queued twice (same delivery id).
 */
export function startApprovalExpiry(deps: { config: Config; sql: Sql; log: Logger; producer: InboundProducer }): { close(): Promise<void> } {
  const log = deps.log.child({ queue: APPROVAL_QUEUE });
  const connection = createRedis(deps.config, { connectionName: 'xiaoliu-approvals' });
  const worker = new Worker<{ id: string }>(
    APPROVAL_QUEUE,
    async (job) => {
      const { id } = job.data;
      await expireApproval(deps.sql, id);
      const row = await findApprovalById(deps.sql, id);
      // Running or done: a continuation has taken the call already (a terminal's typed decision runs it in place, under
      // no delivery id of its own), so queueing one now would answer, and pay, twice.
      if (!row || row.state === 'pending' || row.state === 'running' || row.state === 'done') return;
      if (row.state === 'expired') log.info({ approval: id, server: row.server, tool: row.tool }, 'a tool call lapsed without approval');
      await deps.producer.enqueue(continuationOf(row, await questionOf(deps.sql, row.deliveryId)), { patient: true });
    },
    { connection, prefix: deps.config.queuePrefix, concurrency: 5, name: `${hostname()}:${process.pid}` },
  );
  worker.on('failed', (job, error) => log.error({ err: error, jobId: job?.id }, 'an approval timeout failed; it is retried'));
  worker.on('error', (error) => log.debug({ err: error }, 'approval queue connection error'));
  return {
    async close() {
      await worker.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
