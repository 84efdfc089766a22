import { DelayedError, type Job } from 'bullmq';
import type { Logger } from '../../log/create-logger.js';
import type { SkillWorkerDeps } from '../skill.js';

/** What the sub-task and merge jobs need: a run's checklist and answer go to the platform it was asked on. */
export interface ParallelJobDeps extends SkillWorkerDeps {
  /** Aborted when the worker must hand its jobs back (shutdown timeout). */
  signal: AbortSignal;
}

/**
 * A signal for one job that follows the worker's shutdown signal. One per job because the SDK adds a listener to the
 * signal of every call, and on one worker-wide signal those would pile up for the life of the process.
 */
export function jobSignal(shutdown: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort(shutdown.reason);
  shutdown.addEventListener('abort', abort, { once: true });
  if (shutdown.aborted) abort();
  return { signal: controller.signal, dispose: () => shutdown.removeEventListener('abort', abort) };
}

/**
 * After an attempt of a sub-task or merge failed: on shutdown the job is handed back without spending an attempt
 * (another worker does it); before its last attempt it is thrown on for BullMQ to retry. Returns only after the last
 * attempt, for the caller to show the failure.
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
