import { createHash } from 'node:crypto';
import type { ChannelKey } from '../store/channel-settings.js';
import type { Sql } from '../store/database.js';
import { removeChannelPosts } from './channel-posts.js';
import { permalinkOf } from './permalink.js';
import { searchQueryOf } from './search-terms.js';

/**
 * Makes a channel's index follow its `config knowledge` setting: on, every message already stored for the channel is
 * indexed (new ones are indexed as they are stored, by the trigger of migration 0008; what people post there is
 * indexed by the gateway, src/knowledge/post-indexer.ts); off, the channel's entries and posts are deleted, so nothing
 * of it stays searchable.
 */
export async function setKnowledgeIndex(sql: Sql, key: ChannelKey, on: boolean): Promise<number> {
  if (!on) {
    const deleted = await sql`
      delete from knowledge_entries where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}`;
    return deleted.count + (await removeChannelPosts(sql, key));
  }
  const added = await sql`
    insert into knowledge_entries (message_id, platform, workspace_id, channel_id, thread_id, platform_message_id, tsv, created_at)
    select m.id, c.platform, c.workspace_id, c.channel_id, c.thread_id,
      case when m.role = 'assistant' then (select r.message_id from replies r where r.delivery_id = m.delivery_id order by r.part limit 1) end,
      xiaoliu_search_vector(m.text) || array_to_tsvector(array[xiaoliu_channel_lexeme(c.platform, c.workspace_id, c.channel_id)]), m.created_at
    from messages m join conversations c on c.id = m.conversation_id
    where c.platform = ${key.platform} and c.workspace_id = ${key.workspaceId} and c.channel_id = ${key.channelId}
    on conflict do nothing`;
  return added.count;
}

/** Records a question's own platform id (the trigger knows only an answer's) so its hit links to the message itself. */
export async function notePlatformMessageId(sql: Sql, deliveryId: string, platformMessageId: string): Promise<void> {
  await sql`
    update knowledge_entries k set platform_message_id = ${platformMessageId}
    from messages m where m.id = k.message_id and m.delivery_id = ${deliveryId} and m.role = 'user' and k.platform_message_id is null`;
}

/** One search hit: what was said, by whom and when, and where to read it. */
export interface KnowledgeHit {
  authorName: string;
  text: string;
  at: string;
  permalink: string | undefined;
  /** The channel it was said in: the one asked in, or another public one the asker can read. */
  channelId: string;
}

/** How a search is narrowed. */
export interface SearchOptions {
  /** Most hits (default 8). */
  limit?: number;
  /** The platform id of the message being answered: the question would otherwise find itself. */
  exclude?: string;
  /**
   * Other channels of the same workspace to search too: only ever the public ones the asker can read, as the
   * platform said just now (src/knowledge/search-tool.ts). The workspace is always the asker's own.
   */
  alsoChannels?: readonly string[];
}

/**
 * The tsquery naming channels: each entry carries its channel's lexeme ('#' and an md5, migration 0008's
 * xiaoliu_channel_lexeme, which no query term can spell), so ANDed with the query the GIN index itself narrows to the
 * channels instead of fetching every channel's matches and filtering after.
 */
function channelsQuery(key: ChannelKey, channelIds: readonly string[]): string {
  return channelIds
    .map((id) => `'#${createHash('md5').update(`${key.platform}/${key.workspaceId}/${id}`).digest('hex')}'`)
    .join(' | ');
}

/**
 * Searches the channel asked in, and only while its knowledge is on (entries exist only then), so nothing said in
 * one channel reaches an answer in another — unless `alsoChannels` names other channels of the same workspace, which
 * the caller has checked are public and readable by the asker. Two sources, ranked together: what Xiaoliu stored
 * (questions to it and its answers, knowledge_entries) and what people posted (channel_posts). A question posted in
 * the channel is in both: its post wins (it follows edits). Best matches first, newest among equals. The channels'
 * lexemes let each GIN index find their matches alone; the column filters are what the rule rests on.
 */
export async function searchKnowledge(sql: Sql, key: ChannelKey, query: string, options: SearchOptions = {}): Promise<KnowledgeHit[]> {
  const tsquery = searchQueryOf(query);
  if (!tsquery) return [];
  const limit = options.limit ?? 8;
  const exclude = options.exclude ?? null;
  const channels = [key.channelId, ...(options.alsoChannels ?? []).filter((id) => id !== key.channelId)];
  const ids = sql.array(channels);
  const rows = await sql<{ authorName: string; text: string; at: string; threadId: string; platformMessageId: string | null; channelId: string }[]>`
    with q as (
      select to_tsquery('simple', ${tsquery}) as words,
        to_tsquery('simple', ${tsquery}) && ${channelsQuery(key, channels)}::tsquery as here
    )
    select "authorName", text, at::text as at, "threadId", "platformMessageId", "channelId" from (
      (select m.author_name as "authorName", m.text, k.created_at as at, k.thread_id as "threadId",
          k.platform_message_id as "platformMessageId", k.channel_id as "channelId", ts_rank(k.tsv, q.words) as rank
        from q, knowledge_entries k join messages m on m.id = k.message_id
        where k.platform = ${key.platform} and k.workspace_id = ${key.workspaceId} and k.channel_id = any(${ids}::text[])
          and k.tsv @@ q.here and k.platform_message_id is distinct from ${exclude}
          and not exists (
            select 1 from channel_posts p
            where p.platform = k.platform and p.workspace_id = k.workspace_id and p.channel_id = k.channel_id
              and p.message_id = k.platform_message_id)
        order by rank desc, k.created_at desc limit ${limit})
      union all
      (select p.author_name, p.text, p.posted_at, p.thread_id, p.message_id, p.channel_id, ts_rank(p.tsv, q.words)
        from q, channel_posts p
        where p.platform = ${key.platform} and p.workspace_id = ${key.workspaceId} and p.channel_id = any(${ids}::text[])
          and p.tsv @@ q.here and p.message_id is distinct from ${exclude}
        order by 7 desc, p.posted_at desc limit ${limit})
    ) hits
    order by rank desc, at desc
    limit ${limit}`;
  return rows.map((row) => ({
    authorName: row.authorName,
    text: row.text,
    at: row.at,
    channelId: row.channelId,
    permalink: permalinkOf({ ...key, channelId: row.channelId }, row.threadId, row.platformMessageId ?? undefined),
  }));
}
