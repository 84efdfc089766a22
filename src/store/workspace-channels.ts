import type { Sql } from './database.js';

/**
 * The channels of one workspace Xiaoliu knows of: those with settings, usage or schedules. Sorted by id. Never another
 * workspace's, so a console admin lists (and can open) only their own.
 */
export async function listWorkspaceChannels(sql: Sql, platform: string, workspaceId: string): Promise<string[]> {
  const rows = await sql<{ channelId: string }[]>`
    select channel_id as "channelId" from channel_settings where platform = ${platform} and workspace_id = ${workspaceId}
    union select channel_id from usage where platform = ${platform} and workspace_id = ${workspaceId}
    union select channel_id from schedules where platform = ${platform} and workspace_id = ${workspaceId}
    order by 1`;
  return rows.map((r) => r.channelId);
}
