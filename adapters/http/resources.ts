import type { ServerResponse } from 'node:http';
import type { Sql } from '../../src/store/database.js';
import type { ApiPrincipal } from './api-keys.js';
import { ApiError, sendJson } from './http-io.js';

/**
 * Every API conversation lives at { workspace 'api', channel <user id>, thread <conversation id> }: the user id in
 * the key makes a conversation its user's, so another key's lookup simply finds nothing (404, never 403).
 */
export const HTTP_WORKSPACE = 'api';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Conversation and file ids are UUIDs we made; anything else cannot exist, and never reaches a query. */
export function isConversationId(id: string): boolean {
  return UUID.test(id);
}

/** The conversation's row id, if this user has that conversation. */
export async function findConversation(sql: Sql, userId: string, conversationId: string): Promise<number | undefined> {
  const [row] = await sql<{ id: string }[]>`
    select id from conversations
    where platform = 'http' and workspace_id = ${HTTP_WORKSPACE} and channel_id = ${userId} and thread_id = ${conversationId}`;
  return row ? Number(row.id) : undefined;
}

const notFound = (what: string) => new ApiError(404, 'not_found', `No such ${what}.`);

/** GET /v1/conversations/:id: what was said, oldest first, with the files its answers attached. */
export async function getConversation(sql: Sql, res: ServerResponse, who: ApiPrincipal, id: string, cors: Record<string, string>): Promise<void> {
  const rowId = isConversationId(id) ? await findConversation(sql, who.userId, id) : undefined;
  if (rowId === undefined) throw notFound('conversation');
  // drizzle's driver turns timestamp parsing off on the shared client, so created_at may arrive as text.
  const [messages, files] = await Promise.all([
    sql<{ role: string; text: string; createdAt: Date | string }[]>`
      select role, text, created_at as "createdAt" from messages where conversation_id = ${rowId} order by id`,
    sql<{ id: string; filename: string; mimeType: string; size: number }[]>`
      select id, filename, mime_type as "mimeType", size from http_files
      where user_id = ${who.userId} and conversation_id = ${id} order by created_at`,
  ]);
  sendJson(
    res,
    200,
    {
      conversation_id: id,
      messages: messages.map((m) => ({ role: m.role, text: m.text, created_at: new Date(m.createdAt).toISOString() })),
      files: files.map((f) => ({ id: f.id, filename: f.filename, mime_type: f.mimeType, size: f.size, url: `/v1/files/${f.id}` })),
    },
    cors,
  );
}

/** DELETE /v1/conversations/:id: forgets its messages and files (usage rows, which hold no text, stay for budgets). */
export async function deleteConversation(sql: Sql, res: ServerResponse, who: ApiPrincipal, id: string, cors: Record<string, string>): Promise<void> {
  if (!isConversationId(id)) throw notFound('conversation');
  const deleted = await sql.begin(async (tx) => {
    const rows = await tx`
      delete from conversations
      where platform = 'http' and workspace_id = ${HTTP_WORKSPACE} and channel_id = ${who.userId} and thread_id = ${id}
      returning id`;
    await tx`delete from http_files where user_id = ${who.userId} and conversation_id = ${id}`;
    return rows.length;
  });
  if (!deleted) throw notFound('conversation');
  res.writeHead(204, cors);
  res.end();
}

/** GET /v1/files/:id: the file's bytes, for its own user only; always a download, never rendered by the browser. */
export async function getFile(sql: Sql, res: ServerResponse, who: ApiPrincipal, id: string, cors: Record<string, string>): Promise<void> {
  if (!isConversationId(id)) throw notFound('file');
  const [file] = await sql<{ filename: string; mimeType: string; data: Buffer }[]>`
    select filename, mime_type as "mimeType", data from http_files where id = ${id} and user_id = ${who.userId}`;
  if (!file) throw notFound('file');
  const asciiName = file.filename.replace(/[^\w.-]/g, '_');
  res.writeHead(200, {
    ...cors,
    'content-type': file.mimeType,
    'content-length': String(file.data.length),
    'content-disposition': `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    // A file is the model's output: never let a browser sniff it into HTML or run it.
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'private, no-store',
  });
  res.end(file.data);
}
