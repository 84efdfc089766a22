import { buildPrompt } from '../claude/build-prompt.js';
import { isSkill } from '../skills/skill.js';
import { memoryNote } from '../memory/memory-prompt.js';
import { openTurn } from '../turn/open-turn.js';
import { finishTurn, runToolLoop, turnTools, type LoopTurn } from '../tools/tool-loop.js';
import { resumeToolCall } from '../tools/tool-approval.js';
import type { Command, CommandContext } from './command.js';

/** Free text: a question for Claude, answered with the thread's history as context, streamed as it is written. */
export const chatCommand: Command = {
  name: 'ask',
  aliases: ['chat'],
  summary: 'Answers a question, with everything said in this thread as context.',
  example: 'ask how do I rotate a Postgres password?',
  takesArgs: true,
  async run(context) {
    const { args, reply } = context;
    // An Approve or Deny (or the timeout) continues a turn that waited for its asker: no question of its own.
    if (context.message.toolApproval) return withPlaceholder(context, (ctx, started) => resumeToolCall(ctx, started));
    if (!args) {
      await reply.finish('What would you like to ask? Write your question after my name, or type `help`.');
      return;
    }
    await withPlaceholder(context, answer);
  },
};

/**
 * Runs `work` with the placeholder on its way: the answer is shown at once to be in the works, and a start that
 * fails ends the model calls as well.
 */
async function withPlaceholder(context: CommandContext, work: (context: CommandContext, started: Promise<void>) => Promise<void>): Promise<void> {
  const { reply } = context;
  // Show at once that Xiaoliu is working; reading an existing thread can take a while. The question is stored, the
  // history read and the model asked meanwhile, so the placeholder's round trips are not on the way to the model
  // (streamed text waits for the placeholder inside the ReplyWriter).
  const started = reply.start();
  // A start that fails ends the model call as well: the job fails and is retried without paying for an answer
  // nobody would see.
  const answering = new AbortController();
  const forward = () => answering.abort(context.signal.reason);
  if (context.signal.aborted) forward();
  else context.signal.addEventListener('abort', forward, { once: true });
  started.catch((error: unknown) => answering.abort(error));
  try {
    await work({ ...context, signal: answering.signal }, started);
  } catch (error) {
    // Never leave while the placeholder is still being posted: the next attempt would post another, and an error
    // message must edit the placeholder rather than race it. A failed start is the cause of whatever followed.
    throw (await started.then(() => undefined, (startError: unknown) => startError)) ?? error;
  } finally {
    context.signal.removeEventListener('abort', forward);
  }
}

/** Chat once the placeholder is on its way: the history, the tool loop (src/tools/), the answer (or a skill's). */
async function answer(context: CommandContext, started: Promise<void>): Promise<void> {
  const { metrics } = context;
  // A skill may be awaiting this message (a plan waiting for its asker's yes): asked while the message is stored, it
  // answers the message, or leaves it to chat.
  const claiming = Promise.all(context.commands.filter(isSkill).map((skill) => skill.claimFollowUp?.(context)));
  const [history, claims, memories, tools] = await Promise.all([openTurn(context), claiming, memoryNote(context.sql, context.message), turnTools(context)]);
  for (const answerFollowUp of claims) if (answerFollowUp && (await answerFollowUp())) return;
  const prompt = buildPrompt(context.settings.systemPrompt, history, context.config.historyTokenBudget, memories ? [memories] : []);
  metrics.pipelineOverhead.observe((Date.now() - context.queuedAt) / 1000);
  // Claude may hand a request that clearly calls for a skill ("draft our onboarding doc") to that skill, search what
  // was said here before (knowledge on), and call the MCP tools an admin turned on here.
  const turn: LoopTurn = { system: prompt.system, messages: prompt.messages, step: 0, used: [] };
  await finishTurn(context, await runToolLoop(context, turn, tools), turn, started);
}
