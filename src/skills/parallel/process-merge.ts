import type { Job } from 'bullmq';
import { deliver, type Delivery } from '../../delivery/deliver.js';
import { claimDelivery, type Claim } from '../../store/claim-delivery.js';
import type { Sql } from '../../store/database.js';
import { meteredChat } from '../../turn/metered-chat.js';
import type { ParallelJobDeps } from './parallel-job-deps.js';
import type { MergeJobData, SubtaskResult } from './parallel-queues.js';
import { callerOf, endRun, loadRun, setMergeState, type Run, type RunMeta } from './parallel-runs.js';
import { refreshChecklist } from './refresh-checklist.js';

const MERGE_INSTRUCTIONS = [
  'Several workers did the parts of one piece of work at the same time; their results follow.',
  'Merge them into one coherent answer to the original request: remove overlaps, make the parts consistent, keep',
  'everything useful, and do not mention the workers or the parts. Where a part failed, say briefly what is missing.',
  'Answer in the language of the original request, in Markdown.',
].join(' ');

const NOTHING_TO_MERGE = '⚠️ None of the parts could be done, so there is nothing to merge. Please try again in a while.';
const MERGE_FAILED = 'Sorry, something went wrong on my side while merging the results. Please try again.';

/**
 * The run's last job, once every sub-task has finished or failed for good: one model call with all the results,
 * streamed into a new message in the thread and stored as the answer to the message that started the run. It goes
 * through the delivery lifecycle under a delivery id of its own (`<delivery>#merge`), so a retried merge edits what
 * it posted instead of posting again. A cancelled run is not merged.
 */
export async function processMerge(job: Job<MergeJobData>, token: string | undefined, deps: ParallelJobDeps): Promise<void> {
  const { runId } = job.data;
  const { redis, prefix, sql } = deps;
  const log = deps.log.child({ runId });
  const run = await loadRun(redis, prefix, runId);
  if (!run) {
    log.warn('the parallel run is gone from Redis (expired?); nothing to merge');
    return;
  }
  const { meta } = run;
  const egress = deps.egress.get(meta.platform);
  if (!egress) throw new Error(`no egress for platform "${meta.platform}": is the adapter configured on this worker?`);
  const checklist = { redis, prefix, egress, log };
  if (run.cancelled) {
    await setMergeState(redis, prefix, runId, 'cancelled');
    await refreshChecklist(checklist, runId, { wait: true });
    await endRun(redis, prefix, meta);
    return;
  }
  const mergeDelivery = `${meta.deliveryId}#merge`;
  const delivery: Delivery = {
    id: mergeDelivery,
    platform: meta.platform,
    address: meta.address,
    askerId: meta.userId,
    egress,
    sql,
    log,
    failureText: MERGE_FAILED,
    claim: () => claimMerge(sql, meta, mergeDelivery),
    // The run's last word: the checklist shows how it ended, then the run is gone.
    async release(outcome) {
      if (outcome === 'failed' || outcome === 'user_error') await setMergeState(redis, prefix, runId, 'failed');
      if (outcome !== 'duplicate') await refreshChecklist(checklist, runId, { wait: true });
      await endRun(redis, prefix, meta);
    },
  };
  await deliver(delivery, { job, token, shutdown: deps.signal }, async ({ reply, signal }) => {
    const latest = (await loadRun(redis, prefix, runId)) ?? run;
    // Results in the run's hash; a sub-task finished before an upgrade returned its answer to BullMQ instead.
    const values = (await job.getChildrenValues<SubtaskResult>()) ?? {};
    const results = new Map(Object.values(values).filter((r) => typeof r?.text === 'string').map((r) => [r.index, r.text!]));
    for (const [index, text] of latest.results.entries()) if (text !== undefined) results.set(index, text);
    if (results.size === 0) {
      await reply.finish(NOTHING_TO_MERGE);
      await setMergeState(redis, prefix, runId, 'failed');
      return undefined;
    }
    await setMergeState(redis, prefix, runId, 'merging');
    await refreshChecklist(checklist, runId);
    await reply.start('_Merging the results…_');
    const result = await meteredChat({ ...deps, prices: deps.config.anthropic.prices, log }, callerOf(meta), {
      model: meta.model,
      maxTokens: meta.maxTokens,
      system: [{ type: 'text', text: `${meta.systemPrompt}\n\n${MERGE_INSTRUCTIONS}` }],
      messages: [{ role: 'user', content: [{ type: 'text', text: mergeRequest(latest, results) }] }],
      // Putting finished parts together needs little thought of its own.
      reasoning: 'adaptive',
      effort: 'low',
      onText: (_delta, soFar) => reply.stream(soFar),
      onRetry: () => reply.stream(''),
      signal,
    });
    const truncated = result.stopReason === 'max_tokens' ? '\n\n_(The answer was cut off at the length limit.)_' : '';
    await reply.finish(result.text + truncated);
    await setMergeState(redis, prefix, runId, 'merged');
    log.info({ merged: results.size, of: meta.plan.subtasks.length }, 'parallel run merged');
    // The answer to the message that started the run, so follow-ups in the thread have it as context.
    return {
      conversationId: meta.conversationId,
      deliveryId: meta.deliveryId,
      role: 'assistant',
      authorId: 'xiaoliu',
      authorName: 'Xiaoliu',
      text: result.text,
      tokens: result.usage.outputTokens,
    };
  });
}

/** The merge's claim; its answer is stored under the delivery that started the run, so it is looked for there too. */
async function claimMerge(sql: Sql, meta: RunMeta, mergeDelivery: string): Promise<Claim> {
  const claim = await claimDelivery(sql, meta.platform, meta.address, mergeDelivery);
  const [saved] = await sql`select 1 from messages where delivery_id = ${meta.deliveryId} and role = 'assistant'`;
  return saved ? { ...claim, answerSaved: true } : claim;
}

/** The merge's question: the request, then each part's result (or why it has none), in plan order. */
function mergeRequest(run: Run, results: Map<number, string>): string {
  const { plan, request } = run.meta;
  const parts = plan.subtasks.map((subtask, i) => {
    const text = results.get(i);
    const body = text ?? `(This part failed${run.errors[i] ? `: ${run.errors[i]}` : ''}. There is no result for it.)`;
    return `## Part ${i + 1}: ${subtask.title}\n\n${body}`;
  });
  return [`Original request:\n${request}`, `Goal: ${plan.goal}`, ...parts].join('\n\n');
}
