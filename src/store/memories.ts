import type { Platform } from '../domain/inbound-message.js';
import type { ChannelKey } from './channel-settings.js';
import type { Sql } from './database.js';

/** A kept fact: a channel's, or one person's (`remember for me`). */
export interface Memory {
  id: number;
  scope: 'channel' | 'person';
  authorId: string;
  authorName: string;
  text: string;
  createdAt: string;
}

export interface NewMemory {
  key: ChannelKey;
  scope: Memory['scope'];
  authorId: string;
  authorName: string;
  text: string;
  deliveryId: string;
}

const COLUMNS = `id::int as id, scope, author_id as "authorId", author_name as "authorName", text, created_at::text as "createdAt"`;

/** Keeps a fact once per chat message (a retried job gets the same row back). */
export async function saveMemory(sql: Sql, memory: NewMemory): Promise<Memory> {
  const { key } = memory;
  await sql`
    insert into memories (platform, workspace_id, channel_id, scope, author_id, author_name, text, delivery_id)
    values (${key.platform}, ${key.workspaceId}, ${key.channelId}, ${memory.scope}, ${memory.authorId}, ${memory.authorName}, ${memory.text}, ${memory.deliveryId})
    on conflict (delivery_id) do nothing`;
  const [row] = await sql<Memory[]>`select ${sql.unsafe(COLUMNS)} from memories where delivery_id = ${memory.deliveryId}`;
  return row!;
}

/**
 * What a conversation in this channel may know: the channel's memories and the asker's own, kept anywhere in this
 * workspace; oldest first. Never another channel's, another workspace's, or another person's own.
 */
export async function memoriesFor(sql: Sql, key: ChannelKey, personId: string): Promise<Memory[]> {
  return sql<Memory[]>`
    select ${sql.unsafe(COLUMNS)} from memories
    where platform = ${key.platform} and workspace_id = ${key.workspaceId}
      and ((scope = 'channel' and channel_id = ${key.channelId}) or (scope = 'person' and author_id = ${personId}))
    order by id`;
}

export async function countChannelMemories(sql: Sql, key: ChannelKey): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from memories
    where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId} and scope = 'channel'`;
  return row!.n;
}

/** Deletes one memory the asker can see here; returns it, or undefined when there is none by that id. */
export async function deleteMemory(sql: Sql, key: ChannelKey, personId: string, id: number): Promise<Memory | undefined> {
  const [row] = await sql<Memory[]>`
    delete from memories
    where id = ${id} and platform = ${key.platform} and workspace_id = ${key.workspaceId}
      and ((scope = 'channel' and channel_id = ${key.channelId}) or (scope = 'person' and author_id = ${personId}))
    returning ${sql.unsafe(COLUMNS)}`;
  return row;
}

/**
 * `forget me`: deletes a person's own memories on the platform, in every workspace. Channel facts they told are the
 * team's and stay, but no longer say who told them (admins can still remove them).
 */
export async function forgetPersonalMemories(sql: Sql, platform: Platform, personId: string): Promise<number> {
  return sql.begin(async (tx) => {
    const deleted = (await tx`delete from memories where platform = ${platform} and scope = 'person' and author_id = ${personId}`).count;
    await tx`update memories set author_id = '-', author_name = 'someone' where platform = ${platform} and scope = 'channel' and author_id = ${personId}`;
    return deleted;
  });
}
