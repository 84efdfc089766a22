import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClaudeClient } from '../../claude/claude-client.js';
import type { Config } from '../../config/read-config.js';
import type { Egress } from '../../domain/egress.js';
import type { Platform } from '../../domain/inbound-message.js';
import type { Logger } from '../../log/create-logger.js';
import type { Sql } from '../../store/database.js';

/** What the sub-task and merge jobs need, built once per worker process in the composition root. */
export interface ParallelJobDeps {
  sql: Sql;
  redis: Redis;
  prefix: string;
  /** Every platform this worker can post to: a run's checklist and answer go to the platform it was asked on. */
  egress: ReadonlyMap<Platform, Egress>;
  claude: ClaudeClient;
  config: Config;
  log: Logger;
  /** Aborted when the worker must hand its jobs back (shutdown timeout). */
  signal: AbortSignal;
}

/**
 * After an attempt of a sub-task failed: on shutdown the job is handed back without spending an attempt (another
 * worker does it); before its last attempt it is thrown on for BullMQ to retry. Returns only after the last attempt,
 * for the caller to show the failure. (A sub-task posts no answer of its own; the merge, which does, goes through
 * the delivery lifecycle, src/delivery/deliver.ts.)
 */
export async function retryUnlessLast(job: Job, token: string | undefined, deps: ParallelJobDeps, error: unknown, log: Logger, what: string): Promise<void> {
  if (deps.signal.aborted) {
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }
  if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
    log.warn({ err: error, attempt: job.attemptsMade + 1 }, `${what} failed; it will be retried`);
    throw error;
  }
  log.error({ err: error, attempts: job.attemptsMade + 1 }, `${what} failed after its last attempt`);
}
