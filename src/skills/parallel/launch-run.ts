import { FlowProducer } from 'bullmq';
import type { CommandContext } from '../../commands/command.js';
import { loadReplies } from '../../store/replies.js';
import type { ParallelPlan } from './parallel-plan.js';
import {
  MERGE_JOB_OPTIONS,
  MERGE_QUEUE,
  SUBTASK_JOB_OPTIONS,
  SUBTASK_QUEUE,
  mergeJobId,
  subtaskJobId,
  type MergeJobData,
  type SubtaskJobData,
} from './parallel-queues.js';
import { createRun, loadRun, markFlowAdded, runIdFor, setMessageId } from './parallel-runs.js';
import { renderChecklist } from './render-checklist.js';

/**
 * Starts a planned run for the message in `context`: stores its state, posts the checklist as the message's reply,
 * and queues one job per sub-task under a merge job (a BullMQ flow). The message's own job then ends, so the thread
 * is free (a `reset` there can cancel the run) while the sub-tasks run on any workers.
 * Safe to call again for the same message (a retried job): the run, the checklist and the flow are each made once.
 */
export async function launchRun(context: CommandContext, plan: ParallelPlan, request: string): Promise<void> {
  const { message, redis, config, sql, reply, settings } = context;
  const prefix = config.queuePrefix;
  const runId = runIdFor(message.id);
  let run = await loadRun(redis, prefix, runId);
  if (!run) {
    // Nothing is posted for a run whose budget is already spent; each of its calls then holds its own worst case.
    await context.limits.check(context);
    await createRun(redis, prefix, {
      runId,
      deliveryId: message.id,
      platform: message.platform,
      address: message.address,
      conversationId: context.conversation.id,
      userId: message.author.id,
      model: settings.model,
      systemPrompt: settings.systemPrompt,
      maxTokens: config.anthropic.maxTokens,
      channelBudgetUsd: settings.dailyBudgetUsd,
      request,
      plan,
    });
    run = (await loadRun(redis, prefix, runId))!;
  }
  await reply.finish(renderChecklist(run));
  const messageId = (await loadReplies(sql, message.id)).get(0);
  if (!messageId) throw new Error('the checklist was posted but its message id was not recorded');
  // Known before any sub-task can start, so every worker can edit the checklist.
  await setMessageId(redis, prefix, runId, messageId);
  if (run.flowAdded) return;
  const flows = new FlowProducer({ connection: redis, prefix });
  flows.on('error', (error) => context.log.debug({ err: error }, 'flow producer connection error'));
  try {
    const data: MergeJobData = { runId };
    await flows.add({
      name: 'merge',
      queueName: MERGE_QUEUE,
      data,
      opts: { ...MERGE_JOB_OPTIONS, jobId: mergeJobId(runId) },
      children: run.meta.plan.subtasks.map((_, index) => ({
        name: 'subtask',
        queueName: SUBTASK_QUEUE,
        data: { runId, index } satisfies SubtaskJobData,
        opts: { ...SUBTASK_JOB_OPTIONS, jobId: subtaskJobId(runId, index) },
      })),
    });
  } finally {
    await flows.close();
  }
  await markFlowAdded(redis, prefix, runId);
  context.log.info({ runId, subtasks: run.meta.plan.subtasks.length }, 'parallel run started');
}
