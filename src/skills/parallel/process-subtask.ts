import { UnrecoverableError, type Job } from 'bullmq';
import { jobSignal } from '../../delivery/job-signal.js';
import { FinalError, UserFacingError } from '../../domain/errors.js';
import { meteredChat } from '../../turn/metered-chat.js';
import type { SubtaskJobData, SubtaskResult } from './parallel-queues.js';
import { callerOf, loadRun, setSubtaskResult, setSubtaskState, type RunMeta } from './parallel-runs.js';
import { refreshChecklist } from './refresh-checklist.js';
import { retryUnlessLast, type ParallelJobDeps } from './parallel-job-deps.js';

const SUBTASK_INSTRUCTIONS = (meta: RunMeta) =>
  [
    'You are doing one part of a larger piece of work that was split into independent parts, done at the same time by',
    "different workers who cannot see each other's results; they will be merged afterwards.",
    `The goal of the whole: ${meta.plan.goal}`,
    'Do only your part, completely, and answer with its result in Markdown: no preamble, and no questions back (nobody',
    'can answer them). Write in the language of the original request.',
  ].join(' ');

/**
 * One sub-task: a model call of its own (no thread history: its instructions are self-contained), recorded against
 * the person who asked, then a tick in the checklist. Its answer is kept in the run's hash for the merge. After its last attempt fails it is shown as failed, and the merge goes ahead without it.
 */
export async function processSubtask(job: Job<SubtaskJobData, SubtaskResult>, token: string | undefined, deps: ParallelJobDeps): Promise<SubtaskResult> {
  const { runId, index } = job.data;
  const { redis, prefix } = deps;
  const log = deps.log.child({ runId, subtask: index });
  const run = await loadRun(redis, prefix, runId);
  if (!run) {
    log.warn('the parallel run is gone from Redis (expired?); skipping its sub-task');
    return { index };
  }
  const { meta } = run;
  const egress = deps.egress.get(meta.platform);
  if (!egress) throw new Error(`no egress for platform "${meta.platform}": is the adapter configured on this worker?`);
  const checklist = { redis, prefix, egress, log };
  const subtask = meta.plan.subtasks[index];
  if (run.cancelled || !subtask) {
    // Cancelled after this job was taken from the queue, before it could be removed: do nothing.
    await setSubtaskState(redis, prefix, runId, index, 'cancelled');
    await refreshChecklist(checklist, runId);
    return { index };
  }

  const signal = jobSignal(deps.signal);
  try {
    // Each sub-task holds its own worst case against the asker's budgets, on whichever worker runs it.
    const result = await meteredChat({ ...deps, prices: deps.config.anthropic.prices, log }, callerOf(meta), {
      model: meta.model,
      maxTokens: meta.maxTokens,
      // Every sub-task of a run shares this prefix, so the later ones can read it from the prompt cache.
      system: [{ type: 'text', text: `${meta.systemPrompt}\n\n${SUBTASK_INSTRUCTIONS(meta)}`, cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'text',
              text: `Sub-task ${index + 1} of ${meta.plan.subtasks.length}: ${subtask.title}\n\n${subtask.instructions}\n\nThe original request, for context:\n${meta.request}`,
            },
          ],
        },
      ],
      reasoning: 'adaptive',
      effort: 'medium',
      signal: signal.signal,
    });
    if (!(await loadRun(redis, prefix, runId))) {
      // Deleted while this ran (`forget me`, a deleted conversation): its result is not kept either.
      log.info('the parallel run was deleted while this sub-task ran; dropping its result');
      return { index };
    }
    await setSubtaskResult(redis, prefix, runId, index, result.text);
    await refreshChecklist(checklist, runId);
    log.debug('sub-task done');
    return { index };
  } catch (error) {
    // A budget reached or an answer cut off at its length limit ends the same way (and costs as much) every time.
    const final = error instanceof FinalError;
    if (!final) await retryUnlessLast(job, token, deps, error, log, 'sub-task (merging without it)');
    const why = error instanceof UserFacingError ? error.userMessage : 'something went wrong on my side';
    await setSubtaskState(redis, prefix, runId, index, 'failed', why);
    await refreshChecklist(checklist, runId);
    throw final ? new UnrecoverableError(error.message) : error;
  } finally {
    signal.dispose();
  }
}
