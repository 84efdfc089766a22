import type { Platform } from '../domain/inbound-message.js';
import type { ChannelKey } from '../store/channel-settings.js';
import type { Sql } from '../store/database.js';
import { hideCredentials } from './hide-credentials.js';

/** A message people posted in a channel, as its platform's ingress (or the backfill) read it. */
export interface ChannelPost {
  platform: Platform;
  workspaceId: string;
  /** The channel knowledge is turned on for (a Discord thread's parent). */
  channelId: string;
  /** Where it was written: Slack its thread_ts, else its own ts; Discord the thread's id, else '-'. */
  threadId: string;
  /** The platform's id (Slack ts, Discord snowflake): what an edit or a deletion names. */
  messageId: string;
  authorId: string;
  authorName: string;
  /** Another bot or an integration; Xiaoliu's own posts are never indexed this way (its answers are, as stored). */
  fromBot: boolean;
  /** Plain text, mentions as names. */
  text: string;
  /** ISO time it was posted. */
  postedAt: string;
}

/** Longest text kept per post: Slack's own limit for a message, so nothing a person can post is cut. */
export const MAX_POST_CHARS = 40_000;

/**
 * Indexes posts, or re-indexes them (an edit carries the same message id and replaces the text), in one statement
 * that also checks each channel's knowledge setting in force: posts of a channel with knowledge off are not stored.
 * Returns how many were stored.
 */
export async function storePosts(sql: Sql, posts: readonly ChannelPost[]): Promise<number> {
  const rows = posts
    .filter((p) => p.text.trim() !== '')
    .map((p) => ({
      platform: p.platform,
      workspace_id: p.workspaceId,
      channel_id: p.channelId,
      thread_id: p.threadId,
      message_id: p.messageId,
      author_id: p.authorId,
      author_name: p.authorName,
      from_bot: p.fromBot,
      text: hideCredentials(p.text.slice(0, MAX_POST_CHARS).replaceAll('\u0000', '')),
      posted_at: p.postedAt,
    }));
  if (rows.length === 0) return 0;
  const stored = await sql`
    insert into channel_posts (platform, workspace_id, channel_id, thread_id, message_id, author_id, author_name, from_bot, text, tsv, posted_at)
    select r.platform, r.workspace_id, r.channel_id, r.thread_id, r.message_id, r.author_id, r.author_name, r.from_bot, r.text,
      xiaoliu_search_vector(r.text) || array_to_tsvector(array[xiaoliu_channel_lexeme(r.platform, r.workspace_id, r.channel_id)]),
      r.posted_at
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
      platform text, workspace_id text, channel_id text, thread_id text, message_id text, author_id text, author_name text,
      from_bot boolean, text text, posted_at timestamptz)
    where xiaoliu_knowledge_on(r.platform, r.workspace_id, r.channel_id)
    on conflict (platform, workspace_id, channel_id, message_id) do update
      set text = excluded.text, tsv = excluded.tsv, author_name = excluded.author_name, indexed_at = now()`;
  return stored.count;
}

/**
 * A message deleted on its platform: its post goes, and so does the index entry of a question to Xiaoliu with that
 * id (the stored conversation keeps the message as context of its thread until retention or `forget me`; what was
 * deleted is no longer found by a search). Returns how many index rows went.
 */
export async function removePosts(sql: Sql, key: ChannelKey, messageIds: readonly string[]): Promise<number> {
  if (messageIds.length === 0) return 0;
  const ids = sql.array([...messageIds]);
  const posts = await sql`
    delete from channel_posts
    where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId} and message_id = any(${ids}::text[])`;
  const entries = await sql`
    delete from knowledge_entries
    where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}
      and platform_message_id = any(${ids}::text[])`;
  return posts.count + entries.count;
}

/** `config knowledge off`: nothing the channel's people posted stays searchable. */
export async function removeChannelPosts(sql: Sql, key: ChannelKey): Promise<number> {
  const deleted = await sql`
    delete from channel_posts where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}`;
  return deleted.count;
}
