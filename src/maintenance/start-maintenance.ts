import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/read-config.js';
import type { Logger } from '../log/create-logger.js';
import { createRedis } from '../redis/create-redis.js';
import type { Sql } from '../store/database.js';
import { expireRedisState } from './expire-redis-state.js';
import { deleteExpiredData, type RetentionResult } from './retention-job.js';

/** A small queue of its own for housekeeping, so it never waits behind (or delays) people's questions. */
export const MAINTENANCE_QUEUE = 'maintenance';
/** The job scheduler that makes one retention job per period, however many workers run. */
export const RETENTION_SCHEDULER = 'retention';
/** How often retention runs: hourly keeps each run small, so the deletes never pile up into one long one. */
export const RETENTION_EVERY_MS = 60 * 60_000;
/** Postgres advisory lock held for a run (any constant, the same in every process; migrations use ...001). */
export const RETENTION_LOCK_ID = 7_412_260_002;

/**
 * What a maintenance job returns: the counts (`redisItems`: finished jobs and skills' state taken out of Redis), or
 * that it let a run still going elsewhere finish alone.
 */
export type RetentionOutcome = (RetentionResult & { redisItems: number }) | { skipped: 'another run is still going' };

/** Housekeeping running in a worker process. */
export interface RunningMaintenance {
  /** The maintenance queue (for tests and metrics). */
  queue: Queue;
  /** Stops taking maintenance jobs; a retention run in progress stops after its current batch. */
  close(): Promise<void>;
}

/**
 * Registers the retention schedule and processes maintenance jobs. Every worker process calls this: the upsert is
 * idempotent (one scheduler, one job per period), and each job is taken by exactly one worker. BullMQ schedules the
 * next job when one starts, so a run longer than the period (a first run over a huge backlog) could meet the next
 * one: an advisory lock makes the later one step aside. RETENTION_DAYS=0 keeps messages, AUDIT_RETENTION_DAYS=0 the
 * audit log; both 0 removes the schedule and processes nothing.
 */
export async function startMaintenance(
  deps: { config: Config; sql: Sql; log: Logger },
  options: { everyMs?: number } = {},
): Promise<RunningMaintenance> {
  const { config, sql } = deps;
  const log = deps.log.child({ queue: MAINTENANCE_QUEUE });
  const connection = createRedis(config, { connectionName: 'xiaoliu-maintenance' });
  const queue = new Queue(MAINTENANCE_QUEUE, { connection, prefix: config.queuePrefix });
  queue.on('error', (error) => log.debug({ err: error }, 'maintenance queue connection error'));

  if (config.retentionDays === 0 && config.auditRetentionDays === 0) {
    await queue.removeJobScheduler(RETENTION_SCHEDULER);
    log.info('data retention is off (RETENTION_DAYS=0, AUDIT_RETENTION_DAYS=0): messages and the audit log are kept forever');
    return {
      queue,
      async close() {
        await queue.close();
        await connection.quit().catch(() => connection.disconnect());
      },
    };
  }

  // The schedule belongs to the deployment, not to one process: every worker upserts the same one (the period may
  // change between versions; the upsert replaces it). The job carries nothing: each run reads the days from config.
  await queue.upsertJobScheduler(
    RETENTION_SCHEDULER,
    { every: options.everyMs ?? RETENTION_EVERY_MS },
    { name: 'retention', data: {}, opts: { attempts: 1, removeOnComplete: { count: 48 }, removeOnFail: { count: 48 } } },
  );

  const stop = new AbortController();
  const workerConnection = createRedis(config, { connectionName: 'xiaoliu-maintenance-worker' });
  const worker = new Worker<Record<string, never>, RetentionOutcome>(
    MAINTENANCE_QUEUE,
    async (job) => {
      if (job.name !== 'retention') throw new Error(`unknown maintenance job "${job.name}"`);
      const days = { days: config.retentionDays, auditDays: config.auditRetentionDays };
      const outcome = await alone(sql, async () => {
        const stored = await deleteExpiredData(sql, { ...days, signal: stop.signal });
        // Redis keeps copies of what was said for days (queued jobs, parallel runs): the same limit applies there.
        const redisItems = config.retentionDays > 0 ? await expireRedisState({ redis: connection, prefix: config.queuePrefix, log }, Date.now() - config.retentionDays * DAY_MS) : 0;
        return { ...stored, redisItems };
      });
      if ('skipped' in outcome) log.info('retention: the previous run is still going; this one steps aside');
      else log.info({ ...outcome, ...days }, 'retention: deleted messages, files, conversations, their copies in Redis and audit entries older than their limits');
      return outcome;
    },
    { connection: workerConnection, prefix: config.queuePrefix, concurrency: 1 },
  );
  // A failed run is retried by the next period's job; the log says what went wrong meanwhile.
  worker.on('failed', (job, error) => log.error({ err: error, jobId: job?.id }, 'retention run failed; the next hourly run tries again'));
  worker.on('error', (error) => log.debug({ err: error }, 'maintenance worker connection error'));
  log.debug({ days: config.retentionDays, auditDays: config.auditRetentionDays }, 'data retention scheduled');

  return {
    queue,
    async close() {
      stop.abort();
      await worker.close();
      await queue.close();
      for (const c of [workerConnection, connection]) await c.quit().catch(() => c.disconnect());
    },
  };
}

const DAY_MS = 24 * 3600_000;

/** Runs `work` while holding the retention lock, or skips it if another process holds it. */
async function alone(sql: Sql, work: () => Promise<RetentionResult & { redisItems: number }>): Promise<RetentionOutcome> {
  // A session-level lock needs one connection for its whole life: a reserved one, not the pool's next free one.
  const session = await sql.reserve();
  try {
    const [row] = await session<{ locked: boolean }[]>`select pg_try_advisory_lock(${RETENTION_LOCK_ID}) as locked`;
    if (!row?.locked) return { skipped: 'another run is still going' };
    try {
      return await work();
    } finally {
      await session`select pg_advisory_unlock(${RETENTION_LOCK_ID})`;
    }
  } finally {
    session.release();
  }
}
