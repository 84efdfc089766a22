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
    "Searches what was said earlier in this channel: what people posted there, and the questions to the assistant and its answers. Use it when the question is about the team's own past discussions, decisions or facts. Every term must appear; Chinese works as written. Set `everywhere` to search also the other public channels of this workspace that keep a searchable history and that the asker can read. Cite each result you use with its permalink.",
  input_schema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'A few keywords, in the language the messages were written in.' },
      everywhere: { type: 'boolean', description: 'Also search the public channels the asker can read (default: this channel only).' },
    },
    required: ['query'],
  },
};

/**
 * Runs one search call as Claude asked it and returns its tool_result block: in the asker's channel (the tool takes no
 * channel id: what a channel said cannot be asked for by name), and with `everywhere` also in the other channels of
 * the same workspace that keep a searchable history, are public, and that the asker can read — as the platform says
 * at this moment (Egress.readablePublicChannels). A platform that cannot say (the HTTP API, the terminal) or any
 * doubt leaves them out: never a private channel, never another workspace.
 */
export async function runSearch(context: CommandContext, call: ToolCall): Promise<Anthropic.ToolResultBlockParam> {
  const query = (call.input as { query?: unknown } | null)?.query;
  if (typeof query !== 'string' || !query.trim()) {
    return { type: 'tool_result', tool_use_id: call.id, content: 'Give a `query` of a few keywords.', is_error: true };
  }
  const key = channelKeyOf(context.message.platform, context.message.address);
  const everywhere = (call.input as { everywhere?: unknown }).everywhere === true;
  const alsoChannels = everywhere ? await otherReadableChannels(context, key) : [];
  const exclude = context.message.messageId;
  const hits = await searchKnowledge(context.sql, key, query.slice(0, 200), { alsoChannels, ...(exclude ? { exclude } : {}) });
  context.log.debug({ hits: hits.length }, 'searched the channel history');
  const text = hits.length
    ? hits
        .map((hit, i) => {
          const body = hit.text.length > HIT_CHARS ? `${hit.text.slice(0, HIT_CHARS)}…` : hit.text;
          const where = hit.channelId === key.channelId ? '' : ', in another channel';
          return `[${i + 1}] ${hit.authorName}, ${hit.at.slice(0, 16)} UTC${where}${hit.permalink ? `, ${hit.permalink}` : ''}\n${body}`;
        })
        .join('\n\n')
    : everywhere ? 'No messages in this channel or the public channels you can read match.' : 'No messages in this channel match.';
  return { type: 'tool_result', tool_use_id: call.id, content: text };
}

/** Most other channels one search looks at (each costs the platform a look-up). */
const MAX_OTHER_CHANNELS = 20;

/** The other channels of the asker's workspace with knowledge on, that the platform says are public and theirs to read. */
async function otherReadableChannels(context: CommandContext, key: ReturnType<typeof channelKeyOf>): Promise<string[]> {
  const check = context.egress.readablePublicChannels;
  if (!check) return [];
  const rows = await context.sql<{ channelId: string }[]>`
    select channel_id as "channelId" from (
      select distinct on (channel_id) channel_id, (settings->>'knowledge')::boolean as knowledge
      from channel_settings where platform = ${key.platform} and workspace_id = ${key.workspaceId}
      order by channel_id, version desc) newest
    where knowledge and channel_id <> ${key.channelId}
    limit ${MAX_OTHER_CHANNELS}`;
  if (rows.length === 0) return [];
  try {
    return await check.call(context.egress, key.workspaceId, context.message.author.id, rows.map((r) => r.channelId));
  } catch (error) {
    context.log.warn({ err: error }, 'could not check which other channels the asker can read; searched this one only');
    return [];
  }
}
