import type { PreparedFile } from '../attachments/prepare-file.js';
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
  /** The skill that owns the thread's follow-ups ('doc': they revise its document); null: they are chat. */
  activeSkill: string | null;
}

/** A stored message in the shape history is built from. */
export interface StoredMessage {
  role: 'user' | 'assistant';
  authorName: string;
  text: string;
  /** Tokens this message costs as context: measured for answers, estimated for questions. */
  tokens: number;
  /** The delivery it belongs to (set on history read back). */
  deliveryId?: string;
  /** Files that came with it (attachments table), as the model reads them. */
  files?: PreparedFile[];
}

/** A message to store, with who said it and which delivery it belongs to. */
export interface NewMessage extends Omit<StoredMessage, 'files'> {
  conversationId: number;
  deliveryId: string;
  authorId: string;
  /** The web pages an answer cites or read (src/render/sources.ts), kept with it for the HTTP API's `sources`. */
  sources?: { url: string; title: string }[];
}

/**
 * For the gateways' follow-up check, in one round trip: whether Xiaoliu has a conversation in this thread (is part
 * of it), and whether the channel's admins asked for answers on mentions only (`config reply-mode mentions`).
 */
export async function threadFollowUp(
  sql: Sql,
  platform: Platform,
  address: ReplyAddress,
): Promise<{ hasConversation: boolean; mentionsOnly: boolean }> {
  const [row] = await sql<{ hasConversation: boolean; mentionsOnly: boolean }[]>`
    select
      exists(select 1 from conversations
        where platform = ${platform} and workspace_id = ${address.workspaceId}
          and channel_id = ${address.channelId} and thread_id = ${address.threadId ?? '-'}) as "hasConversation",
      coalesce((select settings->>'replyMode' = 'mentions' from channel_settings
        where platform = ${platform} and workspace_id = ${address.workspaceId} and channel_id = ${address.channelId}
        order by version desc limit 1), false) as "mentionsOnly"`;
  return row!;
}

/** Ends a thread's context: later answers no longer see what was said before now, and no skill owns its follow-ups. */
export async function resetConversation(sql: Sql, conversationId: number): Promise<void> {
  await sql`update conversations set reset_at = clock_timestamp(), active_skill = null where id = ${conversationId}`;
}

/** Hands the thread's follow-ups to a skill (or back to chat with null). */
export async function setActiveSkill(sql: Sql, conversationId: number, skill: string | null): Promise<void> {
  await sql`update conversations set active_skill = ${skill} where id = ${conversationId}`;
}

/** Stores one message; storing the same delivery's message of the same role again is a no-op. */
export async function saveMessage(sql: Sql, m: NewMessage): Promise<void> {
  await sql`
    insert into messages (conversation_id, delivery_id, role, author_id, author_name, text, tokens)
    values (${m.conversationId}, ${m.deliveryId}, ${m.role}, ${m.authorId}, ${m.authorName}, ${m.text}, ${m.tokens})
    on conflict (delivery_id, role) do nothing`;
}

/** Most messages read for one question: far more than any token budget keeps, so long-lived DMs stay cheap. */
const HISTORY_ROWS = 400;

/**
 * Stores one message (a no-op when this delivery's message of this role is stored already) and returns the history
 * with it last, in one round trip. The history query cannot see a row inserted by its own statement, so the new row
 * is added from the insert's result; on a retry the insert adds nothing and the history already holds it.
 */
export async function saveMessageAndLoad(sql: Sql, conversation: Conversation, m: NewMessage): Promise<StoredMessage[]> {
  const rows = await sql<StoredMessage[]>`
    with saved as (
      insert into messages (conversation_id, delivery_id, role, author_id, author_name, text, tokens)
      values (${m.conversationId}, ${m.deliveryId}, ${m.role}, ${m.authorId}, ${m.authorName}, ${m.text}, ${m.tokens})
      on conflict (delivery_id, role) do nothing
      returning id, delivery_id, role, author_name, text, tokens
    )
    select role, delivery_id as "deliveryId", author_name as "authorName", text, tokens from (
      (select id, delivery_id, role, author_name, text, tokens from messages
        where conversation_id = ${conversation.id}
          and (${conversation.resetAt}::timestamptz is null or created_at > ${conversation.resetAt})
        order by id desc limit ${HISTORY_ROWS})
      union all
      select id, delivery_id, role, author_name, text, tokens from saved
    ) history
    order by id desc limit ${HISTORY_ROWS}`;
  return rows.reverse();
}

/**
 * The history a regenerated answer is asked with: the conversation up to and including its question (stored by the
 * original delivery), without the answer it replaces or anything said after it.
 */
export async function loadHistoryUpTo(sql: Sql, conversation: Conversation, questionDeliveryId: string): Promise<StoredMessage[]> {
  const rows = await sql<StoredMessage[]>`
    select role, author_name as "authorName", text, tokens from messages
    where conversation_id = ${conversation.id}
      and id <= (select id from messages where delivery_id = ${questionDeliveryId} and role = 'user')
      and (${conversation.resetAt}::timestamptz is null or created_at > ${conversation.resetAt})
    order by id desc limit ${HISTORY_ROWS}`;
  return rows.reverse();
}
