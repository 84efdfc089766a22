import type { Platform } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** The platform message ids already posted for a delivery, by part number. */
export async function loadReplies(sql: Sql, deliveryId: string): Promise<Map<number, string>> {
  const rows = await sql<{ part: number; messageId: string }[]>`
    select part, message_id as "messageId" from replies where delivery_id = ${deliveryId}`;
  return new Map(rows.map((row) => [row.part, row.messageId]));
}

/** Remembers a posted message right after posting, so a retry edits it instead of posting a duplicate. */
export async function saveReply(
  sql: Sql,
  reply: { deliveryId: string; part: number; platform: Platform; messageId: string },
): Promise<void> {
  await sql`
    insert into replies (delivery_id, part, platform, message_id)
    values (${reply.deliveryId}, ${reply.part}, ${reply.platform}, ${reply.messageId})
    on conflict (delivery_id, part) do update set message_id = excluded.message_id`;
}
