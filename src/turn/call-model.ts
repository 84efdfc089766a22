import type { ChatRequest, ChatResult } from '../claude/claude-client.js';
import { modelProblem } from '../claude/check-model.js';
import { UserFacingError } from '../domain/errors.js';
import { recordCall } from '../store/usage.js';
import type { CommandContext } from '../commands/command.js';

/** A model call as commands make it: the channel's model and the job's signal are filled in. */
export type ModelRequest = Omit<ChatRequest, 'model' | 'maxTokens' | 'signal'> & { maxTokens?: number };

/**
 * Every model call of every command goes through here: the limits are checked before the call (so a request over
 * budget never reaches the model) and what the call cost is recorded after it, by user, channel and workspace.
 */
export async function callModel(context: CommandContext, request: ModelRequest): Promise<ChatResult> {
  const { message, conversation, claude, config, settings, sql, signal } = context;
  // A channel may have been set to a model since retired, or one a price update dropped: say so, call nothing.
  const problem = modelProblem(settings.model, config.anthropic.prices);
  if (problem) throw new UserFacingError(`I cannot answer with this channel's model: ${problem}. An admin can change it with \`config model\`.`);
  await context.limits.check(context);
  const result = await claude.chat({
    ...request,
    model: settings.model,
    maxTokens: request.maxTokens ?? config.anthropic.maxTokens,
    signal,
  });
  await recordCall(sql, {
    deliveryId: message.id,
    conversationId: conversation.id,
    platform: message.platform,
    workspaceId: message.address.workspaceId,
    channelId: message.address.channelId,
    userId: message.author.id,
  }, result);
  return result;
}
