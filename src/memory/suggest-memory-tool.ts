import type Anthropic from '@anthropic-ai/sdk';
import type { ToolCall } from '../claude/claude-client.js';
import type { CommandContext } from '../commands/command.js';
import { MEMORY_TEXT_MAX } from './memory-prompt.js';

export const SUGGEST_MEMORY_TOOL_NAME = 'suggest_memory';

/**
 * "Shall I remember this?": Claude may suggest keeping a fact the team stated, and a "Remember this" button appears
 * under the answer. It is a tool round like a search (src/commands/chat.ts). Nothing is kept unless the asker (or an admin) presses it (src/interactions/answer-actions.ts):
 * the model proposes, a person decides.
 */
export const SUGGEST_MEMORY_TOOL: Anthropic.Tool = {
  name: SUGGEST_MEMORY_TOOL_NAME,
  description:
    'Offers to remember a lasting fact about this team or channel that the user stated (a convention, a decision, a date, who owns what), as a "Remember this" button under your answer; the user decides. Call it at most once, before writing your answer (you answer after its result), with the fact as one short standalone sentence. Do not use it for questions, opinions, secrets or anything already remembered.',
  input_schema: {
    type: 'object',
    properties: { fact: { type: 'string', description: `The fact, one standalone sentence under ${MEMORY_TEXT_MAX} characters, e.g. "Our deploy day is Tuesday."` } },
    required: ['fact'],
  },
};

/**
 * Runs one suggest_memory call: keeps the fact with the answer's row (the answer's buttons need one: a command without
 * buttons gets no suggestion) and adds the button to the answer, then tells Claude to go on and answer. Claude's
 * answer comes in the round after the call: on the current models, text written before a tool call comes back as
 * notes (thinking), not as the answer, so the call cannot simply end the answer.
 */
export async function runSuggestMemory(context: CommandContext, call: ToolCall): Promise<Anthropic.ToolResultBlockParam> {
  const fact = (call.input as { fact?: unknown } | null)?.fact;
  const text = typeof fact === 'string' ? fact.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim().slice(0, MEMORY_TEXT_MAX) : '';
  if (!text) return { type: 'tool_result', tool_use_id: call.id, content: 'Give the `fact` as one sentence.', is_error: true };
  const stored = await context.sql`update answers set suggested_memory = ${text} where delivery_id = ${context.message.id}`;
  if (stored.count === 0) {
    return { type: 'tool_result', tool_use_id: call.id, content: 'Remembering cannot be offered here. Answer the question now; do not mention memory.' };
  }
  context.reply.offerMemory();
  context.log.debug('Claude suggested a memory');
  return {
    type: 'tool_result',
    tool_use_id: call.id,
    content: 'A "Remember this" button will be shown under your answer; the user decides. Now write your answer as usual, without repeating this offer at length.',
  };
}
