import { threadKeyOf, type Platform, type ReplyAddress } from '../domain/inbound-message.js';
import type { StoredSettings } from './channel-settings.js';
import type { Conversation, NewMessage } from './conversations.js';
import type { Sql } from './database.js';
import type { Role } from './user-roles.js';

export type DeliveryStatus = 'processing' | 'answered' | 'failed' | 'deleted';

/** The conversation a delivery belongs to, and whether this delivery was seen before. */
export interface Claim {
  conversation: Conversation;
  /** True when this delivery started the conversation (xmax = 0: the upsert inserted rather than updated). */
  conversationIsNew: boolean;
  /** True the first time any worker handles this delivery id. */
  firstTime: boolean;
  /**
   * 'answered', 'failed' or 'deleted' means it must not be answered again; 'processing' is a first try or a retry.
   * For 'deleted' the conversation is gone and is not made again: `conversation` is NO_CONVERSATION.
   */
  status: DeliveryStatus;
  /**
   * An answer to this delivery is stored. Commands store their answer last, once it is fully posted, so a run that
   * died after that point has nothing left to say (asking the model again would only cost and change the answer).
   */
  answerSaved: boolean;
  /** The channel's newest settings version (undefined: never changed), read in the same round trip. */
  settings: StoredSettings | undefined;
  /** The asker's stored role in this workspace (undefined: none stored), read in the same round trip. */
  storedRole: Role | undefined;
}

/** The conversation of a deleted delivery's claim: none (id 0 matches no row); never used, as nothing is answered. */
export const NO_CONVERSATION: Conversation = { id: 0, resetAt: null, activeSkill: null };

/**
 * Finds or creates the thread's conversation and records the delivery in one round trip. The delivery id is a
 * primary key, so two workers (or a platform redelivery) racing on one message agree on who saw it first. The same
 * round trip reads what every message needs next, the channel's settings and the asker's role in the workspace: two
 * fewer queries per message, and never stale, unlike a cache. A delivery whose conversation was deleted while it was
 * queued or being answered is marked 'deleted' and does not bring the conversation back: deletion wins over a retry.
 */
export async function claimDelivery(
  sql: Sql,
  platform: Platform,
  address: ReplyAddress,
  deliveryId: string,
  authorId = '',
): Promise<Claim> {
  const threadId = threadKeyOf(address);
  const [row] = await sql<
    {
      id: string | null;
      resetAt: string | null;
      activeSkill: string | null;
      created: boolean;
      firstTime: boolean;
      status: DeliveryStatus | null;
      answerSaved: boolean;
      settingsVersion: number | null;
      settings: unknown;
      storedRole: Role | null;
    }[]
  >`
    with conversation as (
      insert into conversations (platform, workspace_id, channel_id, thread_id)
      select ${platform}, ${address.workspaceId}, ${address.channelId}, ${threadId}
      where not exists (select 1 from inbound_deliveries where id = ${deliveryId} and status = 'deleted')
      on conflict (platform, workspace_id, channel_id, thread_id) do update set platform = excluded.platform
      returning id, reset_at, active_skill, (xmax = 0) as created
    ), claimed as (
      insert into inbound_deliveries (id, conversation_id, status)
      select ${deliveryId}, id, 'processing' from conversation
      on conflict (id) do nothing
      returning id
    )
    select conversation.id, conversation.reset_at as "resetAt", conversation.active_skill as "activeSkill", conversation.created,
      exists (select 1 from claimed) as "firstTime",
      (select status from inbound_deliveries where id = ${deliveryId}) as status,
      exists (select 1 from messages where delivery_id = ${deliveryId} and role = 'assistant') as "answerSaved",
      settings.version as "settingsVersion", settings.settings, user_roles.role as "storedRole"
    from (select) as one
    left join conversation on true
    left join lateral (
      select version, settings from channel_settings
      where platform = ${platform} and workspace_id = ${address.workspaceId} and channel_id = ${address.channelId}
      order by version desc limit 1
    ) settings on true
    left join user_roles on user_roles.platform = ${platform} and user_roles.workspace_id = ${address.workspaceId}
      and user_roles.user_id = ${authorId}`;
  if (!row) throw new Error('claimDelivery returned no row');
  if (row.id === null) {
    return { conversation: NO_CONVERSATION, conversationIsNew: false, firstTime: false, status: 'deleted', answerSaved: false, settings: undefined, storedRole: undefined };
  }
  return {
    conversation: { id: Number(row.id), resetAt: row.resetAt, activeSkill: row.activeSkill },
    conversationIsNew: row.created,
    firstTime: row.firstTime,
    status: row.firstTime ? 'processing' : (row.status ?? 'processing'),
    answerSaved: !row.firstTime && row.answerSaved,
    settings: row.settingsVersion === null ? undefined : { version: row.settingsVersion, settings: row.settings },
    storedRole: row.storedRole ?? undefined,
  };
}

/**
 * Marks a delivery done, so no later attempt or redelivery answers it again, storing its answer (if any) as the
 * thread's history keeps it.
 */
export async function finishDelivery(sql: Sql, deliveryId: string, status: 'answered' | 'failed', answer?: NewMessage): Promise<void> {
  // A deleted delivery stays deleted: its conversation is gone, and a redelivery must not answer it.
  if (!answer) {
    await sql`update inbound_deliveries set status = ${status}, finished_at = now() where id = ${deliveryId} and status <> 'deleted'`;
    return;
  }
  // The answer and the delivery's end in one statement (one round trip, one commit): both or neither.
  await sql`
    with answer as (
      insert into messages (conversation_id, delivery_id, role, author_id, author_name, text, tokens, sources)
      values (${answer.conversationId}, ${answer.deliveryId}, ${answer.role}, ${answer.authorId}, ${answer.authorName},
        ${answer.text}, ${answer.tokens}, ${answer.sources?.length ? JSON.stringify(answer.sources) : null}::jsonb)
      -- A regenerated answer is stored under its question's delivery: it replaces the answer before, in its place.
      on conflict (delivery_id, role) do update set text = excluded.text, tokens = excluded.tokens, sources = excluded.sources
    )
    update inbound_deliveries set status = ${status}, finished_at = now() where id = ${deliveryId} and status <> 'deleted'`;
}

/** Whether the delivery's conversation was deleted (DELETE /v1/conversations/:id) before it was answered. */
export async function isDeliveryDeleted(sql: Sql, deliveryId: string): Promise<boolean> {
  const [row] = await sql<{ status: string }[]>`select status from inbound_deliveries where id = ${deliveryId}`;
  return row?.status === 'deleted';
}

/** Deletes what a delivery stored (its question, its answer): for one whose conversation was deleted meanwhile. */
export async function forgetDeliveryMessages(sql: Sql, deliveryId: string): Promise<void> {
  await sql`delete from messages where delivery_id = ${deliveryId}`;
}
