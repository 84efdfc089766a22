import type { Sql } from './database.js';

/** A file an HTTP API answer attached, kept in Postgres so any gateway can serve it after the request has ended. */
export interface HttpFile {
  id: string;
  filename: string;
  mimeType: string;
  size: number;
}

/** Keeps a file an answer attached, for its user and conversation. */
export async function saveHttpFile(
  sql: Sql,
  file: HttpFile & { userId: string; conversationId: string; deliveryId: string; data: Buffer },
): Promise<void> {
  await sql`
    insert into http_files (id, user_id, conversation_id, delivery_id, filename, mime_type, size, data)
    values (${file.id}, ${file.userId}, ${file.conversationId}, ${file.deliveryId}, ${file.filename},
      ${file.mimeType}, ${file.size}, ${file.data})`;
}

/** The files of a user's conversation, oldest first. */
export async function httpFilesOf(sql: Sql, userId: string, conversationId: string): Promise<HttpFile[]> {
  return sql<HttpFile[]>`
    select id, filename, mime_type as "mimeType", size from http_files
    where user_id = ${userId} and conversation_id = ${conversationId} order by created_at`;
}

/** One file with its bytes, if it is this user's. */
export async function httpFileOf(sql: Sql, userId: string, id: string): Promise<(HttpFile & { data: Buffer }) | undefined> {
  const [file] = await sql<(HttpFile & { data: Buffer })[]>`
    select id, filename, mime_type as "mimeType", size, data from http_files where id = ${id} and user_id = ${userId}`;
  return file;
}
