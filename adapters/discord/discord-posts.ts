import type { Message, PartialMessage } from 'discord.js';
import type { PostIndexer } from '../../src/knowledge/post-indexer.js';
import { fromDiscordText } from './inbound-text.js';

/**
 * Hands a server message to the channel index: a new one (MESSAGE_CREATE) or an edited one (MESSAGE_UPDATE, the same
 * id: its text is replaced). Reading the text of messages not addressed to Xiaoliu takes the privileged Message
 * Content intent, which the adapter already asks for (without it Discord sends such messages with empty content:
 * https://discord.com/developers/docs/events/gateway#message-content-intent). Xiaoliu's own messages are left out
 * (its answers are indexed as it stores them), and so are the platform's notices (joins, pins, thread created);
 * other bots and webhooks are indexed, marked as bots. A message in a thread belongs to the thread's parent channel,
 * where knowledge is turned on. Returns at once; the index write runs after.
 */
export function notePost(posts: PostIndexer, message: Message | PartialMessage, botId: string): void {
  if (!message.inGuild() || message.partial || message.system || message.author.id === botId) return;
  if (!message.content?.trim()) return;
  const channel = message.channel;
  const thread = channel.isThread() ? channel : undefined;
  const users = new Map(message.mentions.users.map((u) => [u.id, message.mentions.members?.get(u.id)?.displayName ?? u.displayName]));
  const roles = new Map(message.mentions.roles.map((r) => [r.id, r.name]));
  const channels = new Map(message.mentions.channels.map((c) => [c.id, 'name' in c && c.name ? c.name : 'channel']));
  posts.posted({
    platform: 'discord',
    workspaceId: message.guildId,
    channelId: thread?.parentId ?? message.channelId,
    threadId: thread?.id ?? '-',
    messageId: message.id,
    authorId: message.author.id,
    authorName: message.member?.displayName ?? message.author.displayName,
    fromBot: Boolean(message.author.bot || message.webhookId),
    text: fromDiscordText(message.content, { botId, users, roles, channels }),
    postedAt: message.createdAt.toISOString(),
  });
}

/**
 * Messages deleted (MESSAGE_DELETE, MESSAGE_DELETE_BULK): their text leaves the index. discord.js hands over a
 * partial message for one it had not cached (the adapter sets Partials.Message), which still has its ids. A thread's
 * messages are indexed under the parent channel, so a deletion inside a thread is looked up there.
 */
export function noteDeleted(posts: PostIndexer, messages: readonly (Message | PartialMessage)[]): void {
  const byChannel = new Map<string, { guildId: string; ids: string[] }>();
  for (const message of messages) {
    if (!message.guildId) continue;
    const channel = message.channel;
    const channelId = channel?.isThread() ? (channel.parentId ?? channel.id) : message.channelId;
    const entry = byChannel.get(channelId) ?? { guildId: message.guildId, ids: [] };
    entry.ids.push(message.id);
    byChannel.set(channelId, entry);
  }
  for (const [channelId, { guildId, ids }] of byChannel) posts.deleted({ platform: 'discord', workspaceId: guildId, channelId }, ids);
}
