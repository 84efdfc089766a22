import type { CommandContext } from '../commands/command.js';
import { estimateTokens } from '../render/estimate-tokens.js';
import type { Source } from '../render/sources.js';

/**
 * Keeps Xiaoliu's answer to this delivery, so later questions in the thread have it as context. Commands call it last,
 * once the answer is posted; it is stored when the worker marks the delivery answered, in the same statement.
 */
export function saveAnswerText(context: CommandContext, text: string, tokens = estimateTokens(text), sources: Source[] = []): void {
  context.outcome.answer = {
    conversationId: context.conversation.id,
    // A regenerated answer replaces the one before, under the question's delivery: one answer per question.
    deliveryId: context.message.regenerate?.questionId ?? context.message.id,
    role: 'assistant',
    authorId: 'xiaoliu',
    authorName: 'Xiaoliu',
    text,
    tokens,
    ...(sources.length ? { sources } : {}),
  };
}
