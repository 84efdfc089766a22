import type { Egress } from '../domain/egress.js';
import type { ChannelKey } from '../store/channel-settings.js';
import type { Sql } from '../store/database.js';
import { storePosts, type ChannelPost } from './channel-posts.js';

/** How far back `config knowledge on` reads a channel's history. */
export const BACKFILL_DAYS = 90;

/**
 * When knowledge is turned on, the channel's recent history is read once and indexed, so the search knows what was
 * said before as well as what is said from now on. It reuses the platform's channel reader (the one `summarize 6h`
 * uses), which pages within the platform's limits and stops at its cap: Slack conversations.history, 200 a page for
 * at most 5 pages, each paced by the workspace's shared budget (15 messages, one call, for an app outside the
 * Marketplace); Discord GET /channels/{id}/messages, 100 a page for at most 10 pages, through discord.js's rate
 * limiting. So at most the 1,000 newest top-level messages of the last 90 days; replies inside threads come in as
 * they are posted from now on. Undefined where the platform has no history to read (the HTTP API, the terminal).
 */
export async function backfillChannel(sql: Sql, egress: Egress, key: ChannelKey): Promise<number | undefined> {
  if (!egress.readChannel) return undefined;
  const read = await egress.readChannel({ workspaceId: key.workspaceId, channelId: key.channelId }, Date.now() - BACKFILL_DAYS * 86_400_000);
  const posts: ChannelPost[] = [];
  for (const m of read) {
    // The reader's own notes ("older messages could not be read") have no id; Xiaoliu's answers are indexed as stored.
    if (!m.messageId || m.fromMe || !m.text.trim()) continue;
    posts.push({
      ...key,
      // Top-level messages: Slack's thread is the message's own ts; Discord's channel messages are in no thread.
      threadId: key.platform === 'slack' ? m.messageId : '-',
      messageId: m.messageId,
      authorId: m.authorId,
      authorName: m.authorName,
      fromBot: m.fromBot ?? false,
      text: m.text,
      postedAt: m.sentAt ?? new Date().toISOString(),
    });
  }
  return storePosts(sql, posts);
}
