import { DelayedError, type Job } from 'bullmq';
import type { Logger } from '../../log/create-logger.js';
import type { SkillWorkerDeps } from '../skill.js';

/** What the sub-task and merge jobs need: a run's checklist and answer go to the platform it was asked on. */
export interface ParallelJobDeps extends SkillWorkerDeps {
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
