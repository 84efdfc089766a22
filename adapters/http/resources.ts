import type { ServerResponse } from 'node:http';
import type { Sql } from '../../src/store/database.js';
import { conversationTranscript, deleteHttpConversation, findHttpConversation } from '../../src/store/http-conversations.js';
import { httpFileOf, httpFilesOf } from '../../src/store/http-files.js';
import type { ApiPrincipal } from './api-keys.js';
import { ApiError, sendJson } from './http-io.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Conversation and file ids are UUIDs we made; anything else cannot exist, and never reaches a query. */
export function isConversationId(id: string): boolean {
  return UUID.test(id);
}

const notFound = (what: string) => new ApiError(404, 'not_found', `No such ${what}.`);

/** GET /v1/conversations/:id: what was said, oldest first, with the files its answers attached. */
export async function getConversation(sql: Sql, res: ServerResponse, who: ApiPrincipal, id: string, cors: Record<string, string>): Promise<void> {
  const rowId = isConversationId(id) ? await findHttpConversation(sql, who.userId, id) : undefined;
  if (rowId === undefined) throw notFound('conversation');
  const [messages, files] = await Promise.all([conversationTranscript(sql, rowId), httpFilesOf(sql, who.userId, id)]);
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
  if (!isConversationId(id) || !(await deleteHttpConversation(sql, who.userId, id))) throw notFound('conversation');
  res.writeHead(204, cors);
  res.end();
}

/** GET /v1/files/:id: the file's bytes, for its own user only; always a download, never rendered by the browser. */
export async function getFile(sql: Sql, res: ServerResponse, who: ApiPrincipal, id: string, cors: Record<string, string>): Promise<void> {
  if (!isConversationId(id)) throw notFound('file');
  const file = await httpFileOf(sql, who.userId, id);
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
