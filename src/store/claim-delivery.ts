import type { Platform, ReplyAddress } from '../domain/inbound-message.js';
import type { Conversation } from './conversations.js';
import type { Sql } from './database.js';

export type DeliveryStatus = 'processing' | 'answered' | 'failed';

/** The conversation a delivery belongs to, and whether this delivery was seen before. */
export interface Claim {
  conversation: Conversation;
  /** True when this delivery started the conversation (xmax = 0: the upsert inserted rather than updated). */
  conversationIsNew: boolean;
  /** True the first time any worker handles this delivery id. */
  firstTime: boolean;
  /** 'answered' or 'failed' means it must not be answered again; 'processing' is a first try or a retry. */
  status: DeliveryStatus;
  /**
   * An answer to this delivery is stored. Commands store their answer last, once it is fully posted, so a run that
   * died after that point has nothing left to say (asking the model again would only cost and change the answer).
   */
  answerSaved: boolean;
}

/**
 * Finds or creates the thread's conversation and records the delivery in one round trip. The delivery id is a
 * primary key, so two workers (or a platform redelivery) racing on one message agree on who saw it first.
 */
export async function claimDelivery(sql: Sql, platform: Platform, address: ReplyAddress, deliveryId: string): Promise<Claim> {
  const threadId = address.threadId ?? '-';
  const [row] = await sql<
    {
      id: string;
      resetAt: string | null;
      activeSkill: string | null;
      created: boolean;
      firstTime: boolean;
      status: DeliveryStatus | null;
      answerSaved: boolean;
    }[]
  >`
    with conversation as (
      insert into conversations (platform, workspace_id, channel_id, thread_id)
      values (${platform}, ${address.workspaceId}, ${address.channelId}, ${threadId})
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
      exists (select 1 from messages where delivery_id = ${deliveryId} and role = 'assistant') as "answerSaved"
    from conversation`;
  if (!row) throw new Error('claimDelivery returned no row');
  return {
    conversation: { id: Number(row.id), resetAt: row.resetAt, activeSkill: row.activeSkill },
    conversationIsNew: row.created,
    firstTime: row.firstTime,
    status: row.firstTime ? 'processing' : (row.status ?? 'processing'),
    answerSaved: !row.firstTime && row.answerSaved,
  };
}

/** Marks a delivery done, so no later attempt or redelivery answers it again. */
export async function finishDelivery(sql: Sql, deliveryId: string, status: 'answered' | 'failed'): Promise<void> {
  await sql`update inbound_deliveries set status = ${status}, finished_at = now() where id = ${deliveryId}`;
}
