import { Queue } from 'bullmq';
import type { CommandContext } from '../../commands/command.js';
import { SUBTASK_QUEUE, subtaskJobId } from './parallel-queues.js';
import { activeRuns, endRun, loadRun, markCancelled, setSubtaskState } from './parallel-runs.js';
import { dropPendingPlan } from './pending-plan.js';
import { refreshChecklist } from './refresh-checklist.js';

/**
 * `reset` in a thread stops its parallel work: a plan waiting for confirmation is dropped, and each unfinished run is
 * marked cancelled and its sub-tasks not yet started are taken off the queue. Sub-tasks already running finish (their
 * model call is under way) but nothing is merged. Returns how many runs were stopped.
 */
export async function cancelParallelRuns(context: Pick<CommandContext, 'redis' | 'config' | 'conversation' | 'egress' | 'log'>): Promise<number> {
  const { redis, config, conversation, log } = context;
  const prefix = config.queuePrefix;
  await dropPendingPlan(redis, prefix, conversation.id);
  const runIds = await activeRuns(redis, prefix, conversation.id);
  if (runIds.length === 0) return 0;
  const queue = new Queue(SUBTASK_QUEUE, { connection: redis, prefix });
  queue.on('error', (error) => log.debug({ err: error }, 'queue connection error'));
  let stopped = 0;
  try {
    for (const runId of runIds) {
      const run = await loadRun(redis, prefix, runId);
      if (!run || run.merge) {
        if (run) await endRun(redis, prefix, run.meta);
        continue;
      }
      // Marked first: a sub-task that starts between here and its removal sees the mark and does nothing.
      await markCancelled(redis, prefix, runId);
      for (const [index, state] of run.states.entries()) {
        if (state !== 'pending') continue;
        // 0 when the job is running (locked): it finishes, unmerged.
        if ((await queue.remove(subtaskJobId(runId, index))) === 1) await setSubtaskState(redis, prefix, runId, index, 'cancelled');
      }
      await refreshChecklist({ redis, prefix, egress: context.egress, log }, runId, { wait: true });
      log.info({ runId }, 'parallel run cancelled');
      stopped++;
    }
  } finally {
    await queue.close();
  }
  return stopped;
}
