import type { Sql } from './database.js';

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
    select role, text, created_at as "createdAt" from messages where conversation_id = ${conversationRowId} order by id`;
}

/**
 * Forgets a user's conversation: its messages and files (usage rows, which hold no text, stay for budgets). False if
 * there was no such conversation.
 */
export async function deleteHttpConversation(sql: Sql, userId: string, conversationId: string): Promise<boolean> {
  return sql.begin(async (tx) => {
    const rows = await tx`
      delete from conversations
      where platform = 'http' and workspace_id = ${httpWorkspace(userId)} and channel_id = ${userId} and thread_id = ${conversationId}
      returning id`;
    await tx`delete from http_files where user_id = ${userId} and conversation_id = ${conversationId}`;
    return rows.length > 0;
  });
}

/** A delivery's stored answer (none for commands that store none, and for errors), and what it cost. */
export async function deliveryAnswer(
  sql: Sql,
  deliveryId: string,
): Promise<{ text: string | undefined; usage: { inputTokens: number; outputTokens: number; costUsd: number } }> {
  const [[stored], [usage]] = await Promise.all([
    sql<{ text: string }[]>`select text from messages where delivery_id = ${deliveryId} and role = 'assistant'`,
    sql<{ input: string; output: string; cost: string }[]>`
      select coalesce(sum(input_tokens + cache_write_tokens + cache_read_tokens), 0) as input,
        coalesce(sum(output_tokens), 0) as output, coalesce(sum(cost_usd), 0) as cost
      from usage where delivery_id = ${deliveryId}`,
  ]);
  return {
    text: stored?.text,
    usage: { inputTokens: Number(usage?.input ?? 0), outputTokens: Number(usage?.output ?? 0), costUsd: Number(usage?.cost ?? 0) },
  };
}
