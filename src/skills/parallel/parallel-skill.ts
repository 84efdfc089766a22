import { buildPrompt } from '../../claude/build-prompt.js';
import { estimateRunCost } from './estimate-run-cost.js';
import { launchRun } from './launch-run.js';
import { parsePlan, planAnswer, type ParallelPlan } from './parallel-plan.js';
import { loadRun, runIdFor } from './parallel-runs.js';
import { cancelParallelRuns } from './cancel-runs.js';
import { claimPendingPlan, storePendingPlan } from './pending-plan.js';
import { expireRuns, forgetRuns } from './forget-runs.js';
import { startParallelWorkers } from './start-parallel-workers.js';
import { callModel } from '../../turn/call-model.js';
import { openTurn } from '../../turn/open-turn.js';
import { saveAnswerText } from '../../turn/save-answer-text.js';
import type { CommandContext } from '../../commands/command.js';
import type { Skill } from '../skill.js';

const PLANNING_INSTRUCTIONS = (max: number) =>
  [
    'The user wants this done as parallel work. Call the plan_subtasks tool to split the request into independent',
    `sub-tasks (at most ${max}; fewer when the work is small), each one something a separate worker can do completely`,
    "without seeing the others' results. Give each complete, self-contained instructions (repeat whatever context from",
    'this thread the part needs) and a short title. Write titles and instructions in the language of the request.',
  ].join(' ');

/**
 * `--yes` (or `-y`) at the start: run without asking, whatever the estimate. Only in the asker's own words: a request
 * Claude handed over is its restatement, and a `--yes` there is Claude's, not the asker's.
 */
const SKIP_CONFIRMATION = /^(?:--yes|-y)(?:\s+|$)/i;

const USAGE = 'What should I work on in parallel? For example: `parallel write unit tests for the parser, the lexer and the printer`.';

/**
 * `parallel`: Claude splits a development task into independent sub-tasks, which run at the same time as jobs of a
 * BullMQ flow on any workers, with a checklist in the thread that ticks as they finish; a last job merges the results
 * into one answer. A run estimated above PARALLEL_CONFIRM_USD waits for the asker's yes first.
 */
export const parallelSkill: Skill = {
  name: 'parallel',
  aliases: ['并行', '并行开发'],
  summary: 'Splits a task into sub-tasks run at once, then merges them.',
  example: 'parallel write tests for the parser, the lexer and the printer',
  takesArgs: true,
  // Specific on purpose, and never a question: "how do I run tests in parallel?" is for chat, not a request to work so.
  triggers: [
    /并行开发/,
    /^(?![\s\S]*[?？])(?:please\s+)?in parallel\b/i,
    /^(?![\s\S]*[?？])[\s\S]*\b(?:work on|do|tackle|handle|develop|build) (?:these|them|this|it|all of (?:these|them)|the (?:parts|tasks|sub-?tasks)) in parallel\b/i,
    /^(?![\s\S]*[?？])[\s\S]*\b(?:into|as) parallel sub-?tasks\b/i,
    // A list of things to do, ending "in parallel": "write tests for the parser, the lexer and the printer in parallel".
    /^(?![\s\S]*[?？])[\s\S]*,[\s\S]*\band\b[\s\S]*\bin parallel\s*[.!]?$/i,
  ],
  toolDescription:
    'Works on a development task by splitting it into independent sub-tasks done at the same time, then merging the ' +
    'results. Use only when the user asks for the work to be done in parallel, or split into parts worked on at once.',
  // A run estimated above PARALLEL_CONFIRM_USD waits for its asker's yes: the thread's next message.
  claimFollowUp: claimPendingPlan,
  // Parallel work still running in the thread stops too; a run waiting for confirmation is dropped.
  async onReset(context) {
    const stopped = await cancelParallelRuns(context);
    return stopped ? 'stopped the parallel work still running here' : undefined;
  },
  startWorkers: startParallelWorkers,
  // Requests, plans and sub-task results kept in Redis go with the messages they came from.
  forget: forgetRuns,
  expire: expireRuns,
  async run(context) {
    const { args, reply, config } = context;
    const confirmed = !context.handedOver && SKIP_CONFIRMATION.test(args);
    const request = args.replace(SKIP_CONFIRMATION, '').trim();
    if (!request) {
      await reply.finish(USAGE);
      return;
    }
    await reply.start('_Splitting the work into sub-tasks…_');
    // Stored without the flag, so the thread's history reads as the request itself.
    const history = await openTurn({ ...context, args: request });
    const started = await loadRun(context.redis, config.queuePrefix, runIdFor(context.message.id));
    if (started) {
      // A retried job whose first attempt planned and started the run: finish launching it, without planning again.
      await launchRun(context, started.meta.plan, started.meta.request);
      return;
    }
    const plan = await planRun(context, history);
    const estimate = estimateRunCost(plan, request, {
      model: context.settings.model,
      maxTokens: config.anthropic.maxTokens,
      systemPrompt: context.settings.systemPrompt,
      prices: config.anthropic.prices,
    });
    context.log.info({ subtasks: plan.subtasks.length, estimateUsd: estimate.usd }, 'parallel run planned');
    if (!confirmed && estimate.usd > config.controls.parallelConfirmUsd) {
      await askToConfirm(context, plan, request, estimate.usd);
      return;
    }
    await launchRun(context, plan, request);
  },
};

async function planRun(context: CommandContext, history: Awaited<ReturnType<typeof openTurn>>): Promise<ParallelPlan> {
  const max = context.config.parallel.maxSubtasks;
  const prompt = buildPrompt(`${context.settings.systemPrompt}\n\n${PLANNING_INSTRUCTIONS(max)}`, history, context.config.historyTokenBudget);
  const result = await callModel(context, {
    system: prompt.system,
    messages: prompt.messages,
    structured: planAnswer(max),
    reasoning: 'adaptive',
    effort: 'medium',
  });
  return parsePlan(result.structured, max);
}

/** States the estimate and keeps the plan for the thread's next message: the asker's yes runs it. */
async function askToConfirm(context: CommandContext, plan: ParallelPlan, request: string, usd: number): Promise<void> {
  const { config, message } = context;
  await storePendingPlan(context.redis, config.queuePrefix, context.conversation.id, {
    requestDeliveryId: message.id,
    authorId: message.author.id,
    request,
    plan,
  });
  const text = [
    `I'd split this into ${plan.subtasks.length} sub-tasks, worked on at the same time:`,
    '',
    ...plan.subtasks.map((s) => `☐ ${s.title}`),
    '',
    `That could cost up to about **$${usd.toFixed(2)}** (${plan.subtasks.length + 1} model calls), more than the ` +
      `$${config.controls.parallelConfirmUsd.toFixed(2)} I spend without asking. Reply **yes** (or **go**, **确认**) to ` +
      'start; anything else cancels.',
  ].join('\n');
  await context.reply.finish(text);
  saveAnswerText(context, text);
}
