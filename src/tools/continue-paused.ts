import type { ChatResult } from '../claude/claude-client.js';
import type { CommandContext } from '../commands/command.js';
import { callModel, type ModelRequest } from '../turn/call-model.js';

/**
 * How many times a paused turn is continued. The API pauses "a long-running turn" of server tools with stop_reason
 * `pause_turn` (https://platform.claude.com/docs/en/agents-and-tools/tool-use/server-tools) and documents no bound;
 * with at most 5 searches and 5 fetches a call, a few continuations are plenty, and each is paid for.
 */
export const MAX_CONTINUATIONS = 4;

/**
 * A model call that goes on through `pause_turn`: the paused response is sent back as it came, as the last
 * (assistant) message, and the model carries on from there ("continue the conversation with the paused content",
 * same page). Thinking blocks, server tool calls and their results go back unmodified, as the API requires. Each
 * continuation is a call of its own, with its own budget hold and usage row (src/turn/call-model.ts); the text streams
 * on from where the paused one stopped, and the result is the whole turn: its text and content blocks joined.
 */
export async function callModelThroughPauses(context: CommandContext, request: ModelRequest): Promise<ChatResult> {
  let result = await callModel(context, request);
  for (let continued = 0; result.stopReason === 'pause_turn' && continued < MAX_CONTINUATIONS; continued++) {
    const before = result;
    const next = await callModel(context, {
      ...request,
      messages: [...request.messages, { role: 'assistant', content: before.content }],
      onText: (delta, soFar) => request.onText?.(delta, before.text + soFar),
      // A retried continuation starts its own text again; what the paused part wrote stays.
      onRetry: (attempt, reason) => {
        request.onRetry?.(attempt, reason);
        if (before.text) request.onText?.('', before.text);
      },
    });
    result = {
      ...next,
      text: before.text + next.text,
      content: [...before.content, ...next.content],
      usage: {
        inputTokens: before.usage.inputTokens + next.usage.inputTokens,
        outputTokens: before.usage.outputTokens + next.usage.outputTokens,
        cacheWriteTokens: before.usage.cacheWriteTokens + next.usage.cacheWriteTokens,
        cacheReadTokens: before.usage.cacheReadTokens + next.usage.cacheReadTokens,
        webSearches: (before.usage.webSearches ?? 0) + (next.usage.webSearches ?? 0),
        webFetches: (before.usage.webFetches ?? 0) + (next.usage.webFetches ?? 0),
      },
      costUsd: before.costUsd + next.costUsd,
      attempts: before.attempts + next.attempts,
    };
  }
  if (result.stopReason === 'pause_turn') context.log.warn({ continuations: MAX_CONTINUATIONS }, 'a paused turn was still paused after the last continuation; answering with what it wrote');
  return result;
}
