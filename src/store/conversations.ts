import type { TokenUsage } from '../claude/price-table.js';
import type { Platform, ReplyAddress } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** A conversation row as the worker needs it. */
export interface Conversation {
  id: number;
  /**
   * Messages before this moment are not context any more (`reset`). Kept as Postgres's own text, microseconds and
   * all, and only ever handed back to Postgres (drizzle turns off postgres.js's timestamp parsing on the shared client).
   */
  resetAt: string | null;
}

/** A stored message in the shape history is built from. */
export interface StoredMessage {
  role: 'user' | 'assistant';
  authorName: string;
  text: string;
  /** Tokens this message costs as context: measured for answers, estimated for questions. */
  tokens: number;
}

/** A message to store, with who said it and which delivery it belongs to. */
export interface NewMessage extends StoredMessage {
  conversationId: number;
  deliveryId: string;
  authorId: string;
}

/** Who and where a model call was for; usage is kept per user, channel and workspace for budgets. */
export interface UsageRecord extends TokenUsage {
  deliveryId: string;
  conversationId: number;
  platform: string;
  workspaceId: string;
  channelId: string;
  userId: string;
  model: string;
  costUsd: number;
}

/** Whether Xiaoliu already has a conversation in this thread (is part of it). */
export async function hasConversation(sql: Sql, platform: Platform, address: ReplyAddress): Promise<boolean> {
  const rows = await sql`
    select 1 from conversations
    where platform = ${platform} and workspace_id = ${address.workspaceId}
      and channel_id = ${address.channelId} and thread_id = ${address.threadId ?? '-'}`;
  return rows.length > 0;
}

/** Ends a thread's context: later answers no longer see what was said before now. */
export async function resetConversation(sql: Sql, conversationId: number): Promise<void> {
  await sql`update conversations set reset_at = clock_timestamp() where id = ${conversationId}`;
}

/** Stores one message; storing the same delivery's message of the same role again is a no-op. */
export async function saveMessage(sql: Sql, m: NewMessage): Promise<void> {
  await sql`
    insert into messages (conversation_id, delivery_id, role, author_id, author_name, text, tokens)
    values (${m.conversationId}, ${m.deliveryId}, ${m.role}, ${m.authorId}, ${m.authorName}, ${m.text}, ${m.tokens})
    on conflict (delivery_id, role) do nothing`;
}

/** Stores an answer and what it cost in one statement, so neither exists without the other. */
export async function saveAnswer(sql: Sql, m: NewMessage, u: UsageRecord): Promise<void> {
  await sql`
    with answer as (
      insert into messages (conversation_id, delivery_id, role, author_id, author_name, text, tokens)
      values (${m.conversationId}, ${m.deliveryId}, ${m.role}, ${m.authorId}, ${m.authorName}, ${m.text}, ${m.tokens})
      on conflict (delivery_id, role) do nothing
    )
    insert into usage (delivery_id, conversation_id, platform, workspace_id, channel_id, user_id, model,
      input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, cost_usd)
    values (${u.deliveryId}, ${u.conversationId}, ${u.platform}, ${u.workspaceId}, ${u.channelId}, ${u.userId},
      ${u.model}, ${u.inputTokens}, ${u.outputTokens}, ${u.cacheWriteTokens}, ${u.cacheReadTokens}, ${u.costUsd.toFixed(6)})`;
}

/** Most messages read for one question: far more than any token budget keeps, so long-lived DMs stay cheap. */
const HISTORY_ROWS = 400;

/** The conversation's latest messages since its last reset, oldest first. */
export async function loadMessages(sql: Sql, conversation: Conversation): Promise<StoredMessage[]> {
  const rows = await sql<StoredMessage[]>`
    select role, author_name as "authorName", text, tokens from messages
    where conversation_id = ${conversation.id}
      and (${conversation.resetAt}::timestamptz is null or created_at > ${conversation.resetAt})
    order by id desc limit ${HISTORY_ROWS}`;
  return rows.reverse();
}
