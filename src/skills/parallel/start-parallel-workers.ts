import { setMaxListeners } from 'node:events';
import { Worker } from 'bullmq';
import type { SkillWorkerDeps, SkillWorkers } from '../skill.js';
import type { ParallelJobDeps } from './parallel-job-deps.js';
import { MERGE_QUEUE, SUBTASK_QUEUE, type MergeJobData, type SubtaskJobData, type SubtaskResult } from './parallel-queues.js';
import { loadRun, setSubtaskState } from './parallel-runs.js';
import { processMerge } from './process-merge.js';
import { processSubtask } from './process-subtask.js';
import { refreshChecklist } from './refresh-checklist.js';

/**
 * The workers of the parallel skill, in every process with the worker role: they drain the sub-task and merge queues.
 * Each process runs up to PARALLEL_CONCURRENCY sub-tasks at once; more processes, on more machines, run more. BullMQ
 * duplicates the given connection for its blocking reads and leaves it open on close.
 */
export function startParallelWorkers(deps: SkillWorkerDeps): SkillWorkers {
  const { concurrency } = deps.config.parallel;
  const abort = new AbortController();
  setMaxListeners(concurrency * 2 + 10, abort.signal);
  const jobDeps: ParallelJobDeps = { ...deps, signal: abort.signal };
  const common = {
    connection: deps.redis,
    prefix: deps.prefix,
    concurrency,
    lockDuration: deps.config.worker.lockMs,
    stalledInterval: deps.config.worker.lockMs,
    maxStalledCount: 2,
  };
  const subtasks = new Worker<SubtaskJobData, SubtaskResult>(SUBTASK_QUEUE, (job, token) => processSubtask(job, token, jobDeps), common);
  const merges = new Worker<MergeJobData>(MERGE_QUEUE, (job, token) => processMerge(job, token, jobDeps), common);
  // A sub-task whose worker kept dying fails without its processor knowing: show it as failed all the same.
  subtasks.on('failed', (job) => {
    if (!job?.deferredFailure) return;
    void markStalled(deps, job.data).catch((error) => deps.log.error({ err: error, jobId: job.id }, 'could not mark a stalled sub-task failed'));
  });
  for (const worker of [subtasks, merges]) {
    worker.on('error', (error) => deps.log.error({ err: error }, 'parallel worker connection error (retrying): is Redis reachable at REDIS_URL?'));
  }
  return {
    async close(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all([subtasks.close(), merges.close()]);
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      if ((await Promise.race([graceful, timedOut])) === 'timeout') {
        deps.log.warn({ timeoutMs }, 'parallel sub-tasks did not finish in time; handing them back to the queue');
        abort.abort(new Error('worker shutting down'));
        await graceful;
      }
      clearTimeout(timer);
    },
  };
}

async function markStalled(deps: SkillWorkerDeps, data: SubtaskJobData): Promise<void> {
  const run = await loadRun(deps.redis, deps.prefix, data.runId);
  const egress = run && deps.egress.get(run.meta.platform);
  if (!egress) return;
  await setSubtaskState(deps.redis, deps.prefix, data.runId, data.index, 'failed', 'the worker doing it stopped responding');
  await refreshChecklist({ redis: deps.redis, prefix: deps.prefix, egress, log: deps.log }, data.runId);
}
