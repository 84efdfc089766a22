import type { ChannelSettings, SettingsInForce } from '../domain/channel-settings.js';
import type { Platform, ReplyAddress } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** Which channel: settings are per channel, shared by all its threads. */
export interface ChannelKey {
  platform: Platform;
  workspaceId: string;
  channelId: string;
}

/** One stored version of a channel's settings, for `config history`. */
export interface SettingsVersion {
  version: number;
  settings: Partial<ChannelSettings>;
  change: string;
  changedBy: string;
  changedAt: string;
}

export function channelKeyOf(platform: Platform, address: ReplyAddress): ChannelKey {
  return { platform, workspaceId: address.workspaceId, channelId: address.channelId };
}

/** A channel's newest stored version as read (the worker reads it with the delivery claim, in one round trip). */
export interface StoredSettings {
  version: number;
  settings: unknown;
}

/**
 * The settings in force: the newest stored version (none: never changed) over the deployment's defaults. Versions
 * store the whole object, but a field added in a later release is missing from older rows; the defaults fill it.
 */
export function settingsInForce(row: StoredSettings | undefined, defaults: ChannelSettings): SettingsInForce {
  return { ...defaults, ...parseJson(row?.settings), version: row?.version ?? 0 };
}

/**
 * Stores a new version. Two admins changing the same channel at once both get a version: the primary key refuses a
 * duplicate number and the insert picks the next one again.
 */
export async function saveChannelSettings(
  sql: Sql,
  key: ChannelKey,
  settings: ChannelSettings,
  change: string,
  changedBy: string,
): Promise<number> {
  for (;;) {
    const rows = await sql<{ version: number }[]>`
      insert into channel_settings (platform, workspace_id, channel_id, version, settings, change, changed_by)
      select ${key.platform}, ${key.workspaceId}, ${key.channelId}, coalesce(max(version), 0) + 1, ${JSON.stringify(settings)}::jsonb, ${change}, ${changedBy}
      from channel_settings
      where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}
      on conflict do nothing
      returning version`;
    if (rows[0]) return rows[0].version;
  }
}

/** The channel's versions, newest first. */
export async function listSettingsHistory(sql: Sql, key: ChannelKey, limit = 20): Promise<SettingsVersion[]> {
  const rows = await sql<SettingsVersion[]>`
    select version, settings, change, changed_by as "changedBy", changed_at::text as "changedAt" from channel_settings
    where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}
    order by version desc limit ${limit}`;
  return rows.map((row) => ({ ...row, settings: parseJson(row.settings) }));
}

/**
 * jsonb as it arrives: drizzle shares the postgres.js client and turns its type parsers off, so jsonb may come back
 * as text; written as text cast to jsonb for the same reason.
 */
function parseJson(value: unknown): Partial<ChannelSettings> {
  if (value === undefined || value === null) return {};
  return (typeof value === 'string' ? JSON.parse(value) : value) as Partial<ChannelSettings>;
}

