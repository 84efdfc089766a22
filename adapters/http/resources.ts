import type { ServerResponse } from 'node:http';
import type { Sql } from '../../src/store/database.js';
import { forgetConversationInRedis, type RedisStores } from '../../src/delivery/forget-in-redis.js';
import type { RelayEvent } from '../../src/relay/relay-events.js';
import { jobsInLine } from '../../src/queue/thread-slot.js';
import { conversationTranscript, deleteHttpConversation, findHttpConversation, httpWorkspace } from '../../src/store/http-conversations.js';
import { httpFileOf, httpFilesOf } from '../../src/store/http-files.js';
import type { ApiPrincipal } from './api-keys.js';
import { httpChannel } from './http-egress.js';
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
      messages: messages.map((m) => ({
        role: m.role,
        text: m.text,
        created_at: new Date(m.createdAt).toISOString(),
        // An answer's web sources, as in the chat answer (an empty list where it used none).
        ...(m.role === 'assistant' ? { sources: (typeof m.sources === 'string' ? JSON.parse(m.sources) : (m.sources ?? [])) as unknown[] } : {}),
      })),
      files: files.map((f) => ({ id: f.id, filename: f.filename, mime_type: f.mimeType, size: f.size, url: `/v1/files/${f.id}` })),
    },
    cors,
  );
}

/**
 * DELETE /v1/conversations/:id: forgets its messages and files (usage rows, which hold no text, stay for budgets), and
 * their copies in Redis. Deletion wins over an answer still being written: it is stopped, and neither stored nor retried.
 */
export async function deleteConversation(stores: RedisStores & { sql: Sql }, res: ServerResponse, who: ApiPrincipal, id: string, cors: Record<string, string>): Promise<void> {
  if (!isConversationId(id)) throw notFound('conversation');
  const address = { workspaceId: httpWorkspace(who.userId), channelId: who.userId, threadId: id };
  // Messages queued for it that no worker has taken yet have no delivery row: they are found in the thread's line.
  const queued = await Promise.all((await jobsInLine(stores.redis, stores.prefix, { platform: 'http', address })).map((jobId) => stores.queue.getJob(jobId)));
  const queuedIds = queued.flatMap((job) => (job?.data?.message ? [job.data.message.id] : []));
  const deleted = await deleteHttpConversation(stores.sql, who.userId, id, queuedIds);
  if (!deleted) throw notFound('conversation');
  await forgetConversationInRedis(stores, deleted);
  // A request still waiting for one of its answers hears at once that there will be none (chat-route.ts says why).
  const done = (deliveryId: string) => JSON.stringify({ type: 'done', deliveryId } satisfies RelayEvent);
  await Promise.all(deleted.deliveryIds.map((deliveryId) => stores.redis.publish(httpChannel(stores.prefix, deliveryId), done(deliveryId))));
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
