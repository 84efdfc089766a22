import { buildPrompt } from '../claude/build-prompt.js';
import type { ToolCall } from '../claude/claude-client.js';
import { estimateTokens } from '../render/estimate-tokens.js';
import { THINKING_STATUS } from '../render/reply-writer.js';
import { answerPendingParallel, peekPendingParallel } from '../skills/parallel/pending-plan.js';
import { saveMessage, saveMessageAndLoad, type StoredMessage } from '../store/conversations.js';
import { callModel } from './call-model.js';
import type { Command, CommandContext } from './command.js';
import { skillToolName, skillTools } from './skill-tools.js';

/** Free text: a question for Claude, answered with the thread's history as context, streamed as it is written. */
export const chatCommand: Command = {
  name: 'ask',
  aliases: ['chat'],
  summary: 'Answers a question, with everything said in this thread as context.',
  example: 'ask how do I rotate a Postgres password?',
  takesArgs: true,
  async run(context) {
    const { args, reply } = context;
    if (!args) {
      await reply.finish('What would you like to ask? Write your question after my name, or type `help`.');
      return;
    }
    // Show at once that Xiaoliu is working; reading an existing thread can take a while. The question is stored, the
    // history read and the model asked meanwhile, so the placeholder's round trips are not on the way to the model
    // (streamed text waits for the placeholder inside the ReplyWriter).
    const started = reply.start();
    // A start that fails ends the model call as well: the job fails and is retried without paying for an answer
    // nobody would see.
    const turn = new AbortController();
    const forward = () => turn.abort(context.signal.reason);
    if (context.signal.aborted) forward();
    else context.signal.addEventListener('abort', forward, { once: true });
    started.catch((error: unknown) => turn.abort(error));
    try {
      await answer({ ...context, signal: turn.signal }, started);
    } catch (error) {
      // Never leave while the placeholder is still being posted: the next attempt would post another, and an error
      // message must edit the placeholder rather than race it. A failed start is the cause of whatever followed.
      throw (await started.then(() => undefined, (startError: unknown) => startError)) ?? error;
    } finally {
      context.signal.removeEventListener('abort', forward);
    }
  },
};

/** Chat once the placeholder is on its way: the history, the model call, the answer (or a skill's). */
async function answer(context: CommandContext, started: Promise<void>): Promise<void> {
  const { args, reply, metrics } = context;
  const [turn, pending] = await Promise.all([openTurn(context), peekPendingParallel(context)]);
  // A parallel run waiting in this thread for a yes: this message gives it (and is answered) or withholds it.
  if (await answerPendingParallel(context, pending)) return;
  const prompt = buildPrompt(context.settings.systemPrompt, turn, context.config.historyTokenBudget);
  metrics.pipelineOverhead.observe((Date.now() - context.queuedAt) / 1000);
  // Claude may hand a request that clearly calls for a skill ("draft our onboarding doc") to that skill.
  const tools = skillTools(context.commands, context.settings.skills);
  const result = await callModel(context, {
    system: prompt.system,
    messages: prompt.messages,
    ...(tools.length ? { tools } : {}),
    // A conversation: the model thinks where a question needs it, at medium effort (the 5.5 default, high, makes
    // every chat answer slower and dearer than a thread reply should be).
    reasoning: 'adaptive',
    effort: 'medium',
    onThinking: () => reply.status(THINKING_STATUS),
    onText: (_delta, soFar) => reply.stream(soFar),
    onRetry: () => reply.stream(''),
  });
  await started;
  const skillCall = result.toolCalls.find((call) => skillOf(context, call));
  if (skillCall) {
    const skill = skillOf(context, skillCall)!;
    const request = (skillCall.input as { request?: unknown }).request;
    context.log.info({ skill: skill.name }, 'Claude handed the request to a skill');
    await skill.run({ ...context, args: typeof request === 'string' && request.trim() ? request : args });
    return;
  }
  const truncated = result.stopReason === 'max_tokens' ? '\n\n_(The answer was cut off at the length limit.)_' : '';
  await reply.finish(result.text + truncated);
  saveAnswerText(context, result.text, result.usage.outputTokens);
}

function skillOf(context: CommandContext, call: ToolCall): Command | undefined {
  return context.commands.find((c) => c.toolDescription && skillToolName(c) === call.name);
}

/**
 * Stores the question (after, on a first summons into an existing thread, the thread's earlier messages) and
 * returns the conversation's history, question last. Skills use it too, so a thread's context is the same for all.
 * Storing is idempotent per delivery, so a retried job or a skill Claude handed over to stores nothing twice.
 */
export async function openTurn(context: CommandContext): Promise<StoredMessage[]> {
  const { message, args, conversation, sql } = context;
  if (context.conversationIsNew && message.inExistingThread) await importThread(context);
  if (context.conversationIsNew && context.egress.setTitle) {
    const title = args.length > 60 ? `${args.slice(0, 57)}…` : args;
    await context.egress.setTitle(message.address, title).catch((error) => context.log.debug({ err: error }, 'could not set the thread title'));
  }
  return saveMessageAndLoad(sql, conversation, {
    conversationId: conversation.id,
    deliveryId: message.id,
    role: 'user',
    authorId: message.author.id,
    authorName: message.author.name,
    text: args,
    tokens: estimateTokens(args),
  });
}

/**
 * Keeps Xiaoliu's answer to this delivery, so later questions in the thread have it as context. Commands call it last,
 * once the answer is posted; it is stored when the worker marks the delivery answered, in the same statement.
 */
export function saveAnswerText(context: CommandContext, text: string, tokens = estimateTokens(text)): void {
  context.outcome.answer = {
    conversationId: context.conversation.id,
    deliveryId: context.message.id,
    role: 'assistant',
    authorId: 'xiaoliu',
    authorName: 'Xiaoliu',
    text,
    tokens,
  };
}

/**
 * Xiaoliu was summoned into a thread that already had a discussion: store what was said before, once, as context,
 * so the answer knows it (and who said what). Failing to read it costs context, not the answer.
 */
async function importThread({ message, conversation, egress, sql, log }: CommandContext): Promise<void> {
  if (!egress.readThread || !message.address.threadId || !message.messageId) return;
  try {
    const earlier = await egress.readThread(message.address, message.messageId);
    for (const [index, m] of earlier.entries()) {
      await saveMessage(sql, {
        conversationId: conversation.id,
        deliveryId: `${message.id}#thread-${index}`,
        role: m.fromMe ? 'assistant' : 'user',
        authorId: m.authorId,
        authorName: m.authorName,
        text: m.text,
        tokens: estimateTokens(m.text),
      });
    }
    log.debug({ messages: earlier.length }, 'read the earlier messages of the thread');
  } catch (error) {
    log.warn({ err: error }, 'could not read the earlier messages of the thread; answering without them');
  }
}
