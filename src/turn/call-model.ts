import type { ChatRequest, ChatResult } from '../claude/claude-client.js';
import { modelProblem } from '../claude/check-model.js';
import { UserFacingError } from '../domain/errors.js';
import { payerOf } from '../budget/create-limit-guard.js';
import type { CommandContext } from '../commands/command.js';
import { meteredChat } from './metered-chat.js';

/** A model call as commands make it: the channel's model and the job's signal are filled in. */
export type ModelRequest = Omit<ChatRequest, 'model' | 'maxTokens' | 'signal'> & { maxTokens?: number };

/**
 * Every model call of every command goes through here: the per-minute limits are checked before the call, and each
 * attempt holds its worst case against the daily budgets before it is made (so a request over budget never reaches
 * the model, and concurrent ones cannot pass a budget together) and is recorded after it, by user, channel and
 * workspace (src/turn/metered-chat.ts).
 */
export async function callModel(context: CommandContext, request: ModelRequest): Promise<ChatResult> {
  const { message, conversation, claude, config, settings, sql, signal, limits, log } = context;
  // A channel may have been set to a model since retired, or one a price update dropped: say so, call nothing.
  const problem = modelProblem(settings.model, config.anthropic.prices);
  if (problem) throw new UserFacingError(`I cannot answer with this channel's model: ${problem}. An admin can change it with \`config model\`.`);
  await limits.checkRate(context);
  const payer = { ...payerOf(context), deliveryId: message.id, conversationId: conversation.id };
  return meteredChat({ claude, sql, limits, prices: config.anthropic.prices, log }, payer, {
    ...request,
    model: settings.model,
    maxTokens: request.maxTokens ?? config.anthropic.maxTokens,
    signal,
  });
}
