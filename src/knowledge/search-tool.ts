import type Anthropic from '@anthropic-ai/sdk';
import type { ToolCall } from '../claude/claude-client.js';
import type { CommandContext } from '../commands/command.js';
import { channelKeyOf } from '../store/channel-settings.js';
import { searchKnowledge } from './knowledge-index.js';

export const SEARCH_TOOL_NAME = 'search_channel_history';

/** How many searches one answer may make before it must answer with what it found. */
export const MAX_SEARCH_ROUNDS = 3;
/** Characters of one hit's text given to the model: enough to quote, not a whole document. */
const HIT_CHARS = 600;

/** The tool Claude sees in a channel with `config knowledge on`. */
export const SEARCH_TOOL: Anthropic.Tool = {
  name: SEARCH_TOOL_NAME,
  description:
    "Searches what was said earlier in this channel: what people posted there, and the questions to the assistant and its answers. Use it when the question is about the team's own past discussions, decisions or facts. Every term must appear; Chinese works as written. Cite each result you use with its permalink.",
  input_schema: {
    type: 'object',
    properties: { query: { type: 'string', description: 'A few keywords, in the language the messages were written in.' } },
    required: ['query'],
  },
};

/**
 * Runs one search call as Claude asked it, in the asker's channel only (the tool takes no channel: what one channel
 * said cannot be asked for from another), and returns its tool_result block.
 */
export async function runSearch(context: CommandContext, call: ToolCall): Promise<Anthropic.ToolResultBlockParam> {
  const query = (call.input as { query?: unknown } | null)?.query;
  if (typeof query !== 'string' || !query.trim()) {
    return { type: 'tool_result', tool_use_id: call.id, content: 'Give a `query` of a few keywords.', is_error: true };
  }
  const key = channelKeyOf(context.message.platform, context.message.address);
  const hits = await searchKnowledge(context.sql, key, query.slice(0, 200), undefined, context.message.messageId);
  context.log.debug({ hits: hits.length }, 'searched the channel history');
  const text = hits.length
    ? hits
        .map((hit, i) => {
          const body = hit.text.length > HIT_CHARS ? `${hit.text.slice(0, HIT_CHARS)}…` : hit.text;
          return `[${i + 1}] ${hit.authorName}, ${hit.at.slice(0, 16)} UTC${hit.permalink ? `, ${hit.permalink}` : ''}\n${body}`;
        })
        .join('\n\n')
    : 'No messages in this channel match.';
  return { type: 'tool_result', tool_use_id: call.id, content: text };
}
