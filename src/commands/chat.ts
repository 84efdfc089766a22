import { buildPrompt } from '../claude/build-prompt.js';
import { estimateTokens } from '../render/estimate-tokens.js';
import { loadMessages, saveAnswer, saveMessage } from '../store/conversations.js';
import type { Command, CommandContext } from './command.js';

/** Free text: a question for Claude, answered with the thread's history as context, streamed as it is written. */
export const chatCommand: Command = {
  name: 'ask',
  aliases: ['chat'],
  summary: 'Answers a question, with everything said in this thread as context.',
  example: 'ask how do I rotate a Postgres password?',
  takesArgs: true,
  async run(context) {
    const { message, args, conversation, reply, sql, claude, config, metrics, signal } = context;
    if (!args) {
      await reply.finish('What would you like to ask? Write your question after my name, or type `help`.');
      return;
    }
    const question = {
      conversationId: conversation.id,
      deliveryId: message.id,
      role: 'user' as const,
      authorId: message.author.id,
      authorName: message.author.name,
      text: args,
      tokens: estimateTokens(args),
    };
    // Show at once that Xiaoliu is working; reading an existing thread can take a while.
    await reply.start();
    if (context.conversationIsNew && message.inExistingThread) await importThread(context);
    if (context.conversationIsNew && context.egress.setTitle) {
      const title = args.length > 60 ? `${args.slice(0, 57)}…` : args;
      await context.egress.setTitle(message.address, title).catch((error) => context.log.debug({ err: error }, 'could not set the thread title'));
    }
    // Stored after the thread's earlier messages, so history keeps their order.
    await saveMessage(sql, question);
    const history = await loadMessages(sql, conversation);
    const prompt = buildPrompt(config.systemPrompt, history, config.historyTokenBudget);
    metrics.pipelineOverhead.observe((Date.now() - context.queuedAt) / 1000);
    const result = await claude.chat({
      model: config.anthropic.model,
      maxTokens: config.anthropic.maxTokens,
      system: prompt.system,
      messages: prompt.messages,
      onText: (_delta, soFar) => reply.stream(soFar),
      onRetry: () => reply.stream(''),
      signal,
    });
    const truncated = result.stopReason === 'max_tokens' ? '\n\n_(The answer was cut off at the length limit.)_' : '';
    await reply.finish(result.text + truncated);
    await saveAnswer(
      sql,
      { ...question, role: 'assistant', authorId: 'xiaoliu', authorName: 'Xiaoliu', text: result.text, tokens: result.usage.outputTokens },
      {
        deliveryId: message.id,
        conversationId: conversation.id,
        platform: message.platform,
        workspaceId: message.address.workspaceId,
        channelId: message.address.channelId,
        userId: message.author.id,
        model: result.model,
        costUsd: result.costUsd,
        ...result.usage,
      },
    );
  },
};

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
