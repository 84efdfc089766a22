import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DeletionSignals, STOPPED_REASON, stopChannel } from '../delivery/deletion-signals.js';
import { INBOUND_QUEUE, type InboundJobData } from '../queue/inbound-queue.js';
import { governConcurrency } from './load-governor.js';
import { failStalledJob, processInbound, type ProcessorDeps } from './process-inbound.js';

/** Past this share of V8's heap limit a worker takes fewer answers at once, well before Node would run out. */
const MAX_HEAP_SHARE = 0.8;

/** A running worker: drains the inbound queue until closed. */
export interface RunningWorker {
  /** Whether it is connected and taking jobs. */
  isRunning(): boolean;
  /**
   * Stops taking jobs and waits up to `timeoutMs` for the ones in flight; past that, aborts them, which hands each
   * back to the queue for another worker. Resolves when nothing is running.
   */
  close(timeoutMs: number): Promise<void>;
}

export function startWorker(
  deps: Omit<ProcessorDeps, 'signal' | 'deletions' | 'stops'>,
  options: { connection: Redis; concurrency: number; /** For deletion announcements (put in subscriber mode). */ subscriber: Redis },
): RunningWorker {
  const abort = new AbortController();
  const deletions = new DeletionSignals(options.subscriber, deps.prefix, deps.log);
  // Stop on an answer: announced on the same connection (it is in subscriber mode already).
  const stops = new DeletionSignals(options.subscriber, deps.prefix, deps.log, { channel: stopChannel(deps.prefix), reason: STOPPED_REASON, ownsSubscriber: false });
  // Each running job listens on this signal (and stops listening when done), so up to `concurrency` at once.
  setMaxListeners(options.concurrency + 10, abort.signal);
  let busy = 0;
  const worker = new Worker<InboundJobData>(
    INBOUND_QUEUE,
    // Taking BullMQ's signal (the third parameter) is what makes it create one per job, for cancelJob below.
    async (job, token, lockLost) => {
      busy++;
      try {
        return await processInbound(job, token, { ...deps, signal: abort.signal, deletions, stops }, lockLost);
      } finally {
        busy--;
      }
    },
    {
      connection: options.connection,
      prefix: deps.prefix,
      concurrency: options.concurrency,
      // Stored on each job it takes (processedBy): which process answered, or was answering when it died.
      name: `${hostname()}:${process.pid}`,
      // Answers stream for up to minutes; the lock is renewed every lockDuration/2, and a crashed worker's jobs
      // are picked up by others once it has expired and the stalled-job check (as often) has seen it.
      lockDuration: deps.config.worker.lockMs,
      stalledInterval: deps.config.worker.lockMs,
      maxStalledCount: 2,
    },
  );
  // A lock that could not be renewed has expired: the job goes back to the queue and will run again, so the run
  // still going here is stopped rather than left to answer alongside the new one.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) worker.cancelJob(jobId, 'job lock lost');
  });
  // BullMQ fails a job that stalled more than maxStalledCount times without running it (job.deferredFailure); the
  // processor never sees that, so the user would be left looking at "Thinking…".
  worker.on('failed', (job) => {
    if (!job?.deferredFailure) return;
    failStalledJob(job, deps).catch((error) => deps.log.error({ err: error, jobId: job.id }, 'could not report a job that stalled too often'));
  });
  // WORKER_CONCURRENCY is the ceiling; how many answers run at once follows the process's own load.
  const governor = governConcurrency(
    worker,
    { ceiling: options.concurrency, maxLagMs: deps.config.worker.maxLagMs, maxHeapShare: MAX_HEAP_SHARE },
    () => busy,
    deps.log,
    (concurrency) => deps.metrics.workerConcurrency.set(concurrency),
  );
  worker.on('error', (error) => deps.log.error({ err: error }, 'worker connection error (retrying): is Redis reachable at REDIS_URL?'));
  return {
    isRunning: () => worker.isRunning(),
    async close(timeoutMs) {
      governor.stop();
      let timer: NodeJS.Timeout | undefined;
      const graceful = worker.close();
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      if ((await Promise.race([graceful, timedOut])) === 'timeout') {
        deps.log.warn({ timeoutMs }, 'in-flight answers did not finish in time; handing them back to the queue');
        abort.abort(new Error('worker shutting down'));
        await graceful;
      }
      clearTimeout(timer);
      await deletions.close();
    },
  };
}
