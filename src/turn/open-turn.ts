import type { CommandContext } from '../commands/command.js';
import { notePlatformMessageId } from '../knowledge/knowledge-index.js';
import { estimateTokens } from '../render/estimate-tokens.js';
import { loadAttachments } from '../store/attachments.js';
import { loadHistoryUpTo, saveMessage, saveMessageAndLoad, type StoredMessage } from '../store/conversations.js';
import { takeFiles } from './take-files.js';

/**
 * Stores the question (after, on a first summons into an existing thread, the thread's earlier messages) and
 * returns the conversation's history, question last, each message with the files that came with it (images, PDFs,
 * documents: src/attachments/). Chat and every skill use it, so a thread's context, files included, is the same for
 * all. Storing is idempotent per delivery, so a retried job or a skill Claude handed over to stores nothing twice.
 */
export async function openTurn(context: CommandContext, options: { maxFileBytes?: number } = {}): Promise<StoredMessage[]> {
  const { message, args, conversation, sql } = context;
  // Regenerate: the question is stored already, under the original delivery; the answer is asked again from there.
  if (message.regenerate) {
    const history = await loadHistoryUpTo(sql, conversation, message.regenerate.questionId);
    if (history.length > 0) return history;
  }
  if (context.conversationIsNew && message.inExistingThread) await importThread(context);
  if (context.conversationIsNew && context.egress.setTitle) {
    const title = args.length > 60 ? `${args.slice(0, 57)}…` : args;
    await context.egress.setTitle(message.address, title).catch((error) => context.log.debug({ err: error }, 'could not set the thread title'));
  }
  await takeFiles(context, { deliveryId: message.id, authorId: message.author.id }, message.attachments, options.maxFileBytes);
  const history = await saveMessageAndLoad(sql, conversation, {
    conversationId: conversation.id,
    deliveryId: message.id,
    role: 'user',
    authorId: message.author.id,
    authorName: message.author.name,
    text: args,
    tokens: estimateTokens(args),
  });
  // The index (config knowledge on) links a question to the platform's message itself, not only to its thread.
  if (context.settings.knowledge && message.messageId) await notePlatformMessageId(sql, message.id, message.messageId);
  const files = await loadAttachments(sql, conversation);
  if (files.size === 0) return history;
  return history.map((m) => (m.role === 'user' && m.deliveryId && files.has(m.deliveryId) ? { ...m, files: files.get(m.deliveryId)! } : m));
}

/**
 * Xiaoliu was summoned into a thread that already had a discussion: store what was said before, once, as context,
 * so the answer knows it (and who said what). Failing to read it costs context, not the answer.
 */
async function importThread(context: CommandContext): Promise<void> {
  const { message, conversation, egress, sql, log } = context;
  if (!egress.readThread || !message.address.threadId || !message.messageId) return;
  try {
    const earlier = await egress.readThread(message.address, message.messageId);
    for (const [index, m] of earlier.entries()) {
      // Files shared earlier in the thread ("what do you make of the chart above?") are read as the question's are.
      if (!m.fromMe && m.attachments?.length) await takeFiles(context, { deliveryId: `${message.id}#thread-${index}`, authorId: m.authorId }, m.attachments);
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
