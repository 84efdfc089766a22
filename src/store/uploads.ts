import { randomBytes } from 'node:crypto';
import type { InboundAttachment } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** The URL scheme of a file held in Postgres for the worker (uploads table): never fetched over the network. */
export const UPLOAD_SCHEME = 'xiaoliu-upload:';

/** Who sent an upload: only the same platform, workspace and user read it back. */
export interface Uploader {
  platform: string;
  workspaceId: string;
  userId: string;
}

/**
 * Holds a file sent to the HTTP API or attached in the terminal until the worker reads it, and returns the attachment
 * the message carries in its place (plain JSON for the queue: the bytes stay in Postgres).
 */
export async function saveUpload(sql: Sql, who: Uploader, file: { name: string; mimeType: string; data: Buffer }): Promise<InboundAttachment> {
  const id = `up_${randomBytes(12).toString('base64url')}`;
  await sql`
    insert into uploads (id, platform, workspace_id, user_id, name, mime_type, size, data)
    values (${id}, ${who.platform}, ${who.workspaceId}, ${who.userId}, ${file.name}, ${file.mimeType}, ${file.data.length}, ${file.data})`;
  return { name: file.name, mimeType: file.mimeType, size: file.data.length, url: `${UPLOAD_SCHEME}${id}` };
}

/**
 * An upload's bytes, for its own uploader only (a message naming another user's upload gets nothing); undefined when
 * there is none (another tenant's, or deleted by retention or `forget me`).
 */
export async function readUpload(sql: Sql, who: Uploader, url: string): Promise<Buffer | undefined> {
  if (!url.startsWith(UPLOAD_SCHEME)) return undefined;
  const id = url.slice(UPLOAD_SCHEME.length);
  const [row] = await sql<{ data: Buffer }[]>`
    select data from uploads
    where id = ${id} and platform = ${who.platform} and workspace_id = ${who.workspaceId} and user_id = ${who.userId}`;
  return row ? Buffer.from(row.data) : undefined;
}

/** Drops the uploads among these URLs once the worker has read them (kept from then on as attachments). */
export async function deleteUploads(sql: Sql, who: Uploader, urls: readonly string[]): Promise<void> {
  const ids = urls.filter((u) => u.startsWith(UPLOAD_SCHEME)).map((u) => u.slice(UPLOAD_SCHEME.length));
  if (ids.length === 0) return;
  await sql`delete from uploads where id in ${sql(ids)} and platform = ${who.platform} and workspace_id = ${who.workspaceId} and user_id = ${who.userId}`;
}
