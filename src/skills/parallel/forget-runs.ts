import { Queue } from 'bullmq';
import type { ForgetTarget, SkillStoreDeps } from '../skill.js';
import { cleanFinishedJobs } from '../../queue/purge-jobs.js';
import { MERGE_QUEUE, SUBTASK_QUEUE, mergeJobId, subtaskJobId } from './parallel-queues.js';
import { activeRuns, deleteRun, dropActiveRuns, loadRun, runIdFor, runKey } from './parallel-runs.js';
import { forgetPendingPlan } from './pending-plan.js';

/*
 * A run keeps text in Redis: its request and plan in the run's hash (2 days), each sub-task's answer as its job's
 * return value and, collected, in the merge job (a day when done, a week when failed). Deletion takes all of them.
 */

/** `forget me` and a deleted conversation: the runs started by these deliveries, or in these conversations. */
export async function forgetRuns(deps: SkillStoreDeps, target: ForgetTarget): Promise<void> {
  const { redis, prefix } = deps;
  const runIds = new Set(target.deliveryIds.map(runIdFor));
  for (const conversationId of target.conversationIds) {
    for (const runId of await activeRuns(redis, prefix, conversationId)) {
      const run = await loadRun(redis, prefix, runId);
      if (!target.authorId || run?.meta.userId === target.authorId) runIds.add(runId);
    }
    await forgetPendingPlan(redis, prefix, conversationId, target.authorId);
    if (!target.authorId) await dropActiveRuns(redis, prefix, conversationId);
  }
  await withQueues(deps, async (queues) => {
    for (const runId of runIds) await purgeRun(deps, queues, runId);
  });
}

/** Retention: runs last changed before the cutoff, and the parallel queues' jobs finished before it. */
export async function expireRuns(deps: SkillStoreDeps, cutoffMs: number): Promise<number> {
  const { redis, prefix } = deps;
  let deleted = 0;
  await withQueues(deps, async (queues) => {
    const pattern = runKey(prefix, '*');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const touchedAt = Number(await redis.hget(key, 'touchedAt'));
        // Runs from before touchedAt was kept expire by themselves within two days.
        if (!touchedAt || touchedAt >= cutoffMs) continue;
        await purgeRun(deps, queues, key.slice(runKey(prefix, '').length));
        deleted += 1;
      }
    } while (cursor !== '0');
    for (const queue of [queues.subtasks, queues.merges]) deleted += await cleanFinishedJobs(queue, cutoffMs);
  });
  return deleted;
}

interface RunQueues {
  subtasks: Queue;
  merges: Queue;
}

async function withQueues(deps: SkillStoreDeps, work: (queues: RunQueues) => Promise<void>): Promise<void> {
  const queues = { subtasks: new Queue(SUBTASK_QUEUE, { connection: deps.redis, prefix: deps.prefix }), merges: new Queue(MERGE_QUEUE, { connection: deps.redis, prefix: deps.prefix }) };
  for (const queue of Object.values(queues)) queue.on('error', (error) => deps.log.debug({ err: error }, 'queue connection error'));
  try {
    await work(queues);
  } finally {
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
  }
}

/**
 * The run's hash, its merge job (with the sub-tasks' results it collected) and its sub-task jobs. A job running right
 * now cannot be removed: with the hash gone, a sub-task keeps no result and a merge merges nothing (process-*.ts).
 */
async function purgeRun(deps: SkillStoreDeps, queues: RunQueues, runId: string): Promise<void> {
  const { redis, prefix, log } = deps;
  const run = await loadRun(redis, prefix, runId);
  await deleteRun(redis, prefix, runId, run?.meta.conversationId);
  // Removing the merge job removes its sub-task jobs too, unless one is running; then each is tried alone.
  const merge = await queues.merges.remove(mergeJobId(runId), { removeChildren: true });
  const count = run?.meta.plan.subtasks.length ?? 0;
  let kept = 0;
  for (let index = 0; index < count; index++) {
    if ((await queues.subtasks.remove(subtaskJobId(runId, index))) !== 1 && (await queues.subtasks.getJob(subtaskJobId(runId, index)))) kept += 1;
  }
  if (merge !== 1 && (await queues.merges.getJob(mergeJobId(runId)))) kept += 1;
  if (kept > 0) log.info({ runId, kept }, 'deleted a parallel run; jobs of it still running end without keeping their results');
}
