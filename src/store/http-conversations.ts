import type { Sql } from './database.js';
import type { HttpFile } from './http-files.js';

/**
 * Every HTTP API conversation lives at { workspace 'api:<user id>', channel <user id>, thread <conversation id> }: the
 * user id in the key makes a conversation its user's, so another key's lookup simply finds nothing. Each API user is
 * a workspace of their own (one shared "api" pooled everyone's usage, `usage team` and per-minute limits); keys of
 * the same user share it.
 */
export function httpWorkspace(userId: string): string {
  return `api:${userId}`;
}

/** A message of a conversation, as the API lists it. */
export interface TranscriptMessage {
  role: string;
  text: string;
  /** A Date, or Postgres's text where drizzle's driver has turned timestamp parsing off on the shared client. */
  createdAt: Date | string;
  /** The web pages an answer cites or read; jsonb, which may arrive as text (see deliveryAnswer). */
  sources: unknown;
}

/** The conversation's row id, if this user has that conversation. */
export async function findHttpConversation(sql: Sql, userId: string, conversationId: string): Promise<number | undefined> {
  const [row] = await sql<{ id: string }[]>`
    select id from conversations
    where platform = 'http' and workspace_id = ${httpWorkspace(userId)} and channel_id = ${userId} and thread_id = ${conversationId}`;
  return row ? Number(row.id) : undefined;
}

/** What was said in a conversation, oldest first. */
export async function conversationTranscript(sql: Sql, conversationRowId: number): Promise<TranscriptMessage[]> {
  return sql<TranscriptMessage[]>`
    select role, text, created_at as "createdAt", sources from messages where conversation_id = ${conversationRowId} order by id`;
}

/** A deleted conversation: its row id, and every delivery of it (for Redis, where their copies are deleted next). */
export interface DeletedConversation {
  conversationId: number;
  deliveryIds: string[];
}

/**
 * Forgets a user's conversation: its messages and files (usage rows, which hold no text, stay for budgets).
 * Undefined if there was no such conversation. Its deliveries, and those of `queued` (messages queued for it that no
 * worker has taken yet), are marked 'deleted' in the same transaction, so no answer still being written, and no retry,
 * stores anything or brings the conversation back (claim-delivery.ts).
 */
export async function deleteHttpConversation(
  sql: Sql,
  userId: string,
  conversationId: string,
  queued: readonly string[] = [],
): Promise<DeletedConversation | undefined> {
  return sql.begin(async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      select id from conversations
      where platform = 'http' and workspace_id = ${httpWorkspace(userId)} and channel_id = ${userId} and thread_id = ${conversationId}
      for update`;
    if (!row) return undefined;
    const id = Number(row.id);
    const marked = await tx<{ id: string }[]>`
      update inbound_deliveries set status = 'deleted', finished_at = coalesce(finished_at, now())
      where conversation_id = ${id} returning id`;
    if (queued.length > 0) {
      await tx`
        insert into inbound_deliveries (id, conversation_id, status, finished_at)
        select unnest(${tx.array([...queued])}::text[]), null, 'deleted', now()
        on conflict (id) do update set status = 'deleted'
        where inbound_deliveries.conversation_id = ${id} or inbound_deliveries.conversation_id is null`;
    }
    await tx`delete from conversations where id = ${id}`;
    await tx`delete from http_files where user_id = ${userId} and conversation_id = ${conversationId}`;
    return { conversationId: id, deliveryIds: [...new Set([...marked.map((m) => m.id), ...queued])] };
  });
}

/** Whether a delivery is over (answered, failed, or its conversation deleted): its answer, if any, is stored. */
export async function deliveryFinished(sql: Sql, deliveryId: string): Promise<boolean> {
  const [row] = await sql<{ status: string }[]>`select status from inbound_deliveries where id = ${deliveryId}`;
  return row !== undefined && row.status !== 'processing';
}

/**
 * A delivery's stored answer (none for commands that store none, and for errors), what it cost, its status, and (when
 * asked for) the files it attached.
 */
export async function deliveryAnswer(sql: Sql, deliveryId: string, options: { withFiles?: boolean } = {}): Promise<{
  text: string | undefined;
  usage: { inputTokens: number; outputTokens: number; costUsd: number; webSearches: number };
  status: string | undefined;
  files: HttpFile[];
  sources: { url: string; title: string }[];
}> {
  const [[stored], [usage], [delivery], files] = await Promise.all([
    sql<{ text: string; sources: unknown }[]>`select text, sources from messages where delivery_id = ${deliveryId} and role = 'assistant'`,
    sql<{ input: string; output: string; cost: string; searches: string }[]>`
      select coalesce(sum(input_tokens + cache_write_tokens + cache_read_tokens), 0) as input,
        coalesce(sum(output_tokens), 0) as output, coalesce(sum(cost_usd), 0) as cost, coalesce(sum(web_searches), 0) as searches
      from usage where delivery_id = ${deliveryId}`,
    sql<{ status: string }[]>`select status from inbound_deliveries where id = ${deliveryId}`,
    // Only when the relayed events were missed: http_files is not indexed by delivery.
    options.withFiles
      ? sql<HttpFile[]>`select id, filename, mime_type as "mimeType", size from http_files where delivery_id = ${deliveryId} order by created_at`
      : [],
  ]);
  return {
    text: stored?.text,
    usage: { inputTokens: Number(usage?.input ?? 0), outputTokens: Number(usage?.output ?? 0), costUsd: Number(usage?.cost ?? 0), webSearches: Number(usage?.searches ?? 0) },
    status: delivery?.status,
    files,
    // jsonb may arrive as text (drizzle turns postgres.js's parsers off).
    sources: (typeof stored?.sources === 'string' ? JSON.parse(stored.sources) : (stored?.sources ?? [])) as { url: string; title: string }[],
  };
}
