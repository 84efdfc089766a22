import type { Sql } from './database.js';

/** One admin action, as recorded: who, where, what. `at` is set by Postgres. */
export interface AuditEntry {
  /** Where: the platform, workspace and channel ('-': none) the action was taken in, or for. */
  platform: string;
  workspaceId: string;
  channelId: string;
  /** Who: their platform (`cli` for the command line), id and name. */
  actorPlatform: string;
  actorId: string;
  actorName: string;
  /** What, as `<command>.<verb>`: `config.prompt`, `role.grant`, `forget-me`, `apikey.revoke`, … */
  action: string;
  /** Whom or what it was done to (a user id, a key id), if anyone. */
  target?: string;
  /** Short and secret-free: never a persona's text or a key (see src/commands/audit-detail.ts). */
  detail: string;
  /** The chat message that did it, so a retried job records it once; none from the command line. */
  deliveryId?: string;
}

/** An entry as `audit` lists it. */
export interface StoredAuditEntry extends AuditEntry {
  id: number;
  /** ISO 8601, UTC. */
  at: string;
}

/** The longest detail kept: an entry says what happened, it is not a copy of it. */
const MAX_DETAIL = 300;

/** Records an admin action; a second record for the same delivery (a retried job) is ignored. */
export async function recordAuditEntry(sql: Sql, entry: AuditEntry): Promise<void> {
  const detail = entry.detail.length > MAX_DETAIL ? `${entry.detail.slice(0, MAX_DETAIL - 1)}…` : entry.detail;
  await sql`
    insert into audit_log (platform, workspace_id, channel_id, actor_platform, actor_id, actor_name, action, target, detail, delivery_id)
    values (${entry.platform}, ${entry.workspaceId}, ${entry.channelId}, ${entry.actorPlatform}, ${entry.actorId},
      ${entry.actorName}, ${entry.action}, ${entry.target ?? null}, ${detail}, ${entry.deliveryId ?? null})
    on conflict (delivery_id) do nothing`;
}

/** A workspace's most recent entries, newest first: only that workspace's, whoever asks. */
export async function listAuditEntries(sql: Sql, platform: string, workspaceId: string, limit: number): Promise<StoredAuditEntry[]> {
  const rows = await sql<(Omit<StoredAuditEntry, 'id' | 'target' | 'deliveryId'> & { id: string; target: string | null; deliveryId: string | null })[]>`
    select id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at, platform, workspace_id as "workspaceId",
      channel_id as "channelId", actor_platform as "actorPlatform", actor_id as "actorId", actor_name as "actorName",
      action, target, detail, delivery_id as "deliveryId"
    from audit_log where platform = ${platform} and workspace_id = ${workspaceId}
    order by at desc, id desc limit ${limit}`;
  return rows.map((row) => ({ ...row, id: Number(row.id), target: row.target ?? undefined, deliveryId: row.deliveryId ?? undefined }));
}

/**
 * Deletes up to `batch` entries older than the cutoff (an ISO timestamp); returns how many. The retention job calls it
 * until a batch comes back short, like the rest of its deletes.
 */
export async function deleteAuditEntriesBefore(sql: Sql, cutoff: string, batch: number): Promise<number> {
  const result = await sql`
    delete from audit_log where id in (select id from audit_log where at < ${cutoff}::timestamptz limit ${batch})`;
  return result.count;
}
