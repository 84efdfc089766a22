import { eq, sql } from 'drizzle-orm';
import type { Platform } from '../domain/inbound-message.js';
import type { Db } from './database.js';
import { inboundDeliveries, replies } from './schema.js';

export type DeliveryStatus = 'processing' | 'answered' | 'failed';

/**
 * Records that a worker is handling a delivery and says whether it was seen before. An 'answered' delivery must not
 * be answered again (a platform redelivery, a job re-added after removal); a 'processing' one is a retry.
 */
export async function claimDelivery(
  db: Db,
  deliveryId: string,
  conversationId: number,
): Promise<{ firstTime: boolean; status: DeliveryStatus }> {
  const inserted = await db
    .insert(inboundDeliveries)
    .values({ id: deliveryId, conversationId, status: 'processing' })
    .onConflictDoNothing({ target: inboundDeliveries.id })
    .returning({ id: inboundDeliveries.id });
  if (inserted.length > 0) return { firstTime: true, status: 'processing' };
  const [row] = await db
    .select({ status: inboundDeliveries.status })
    .from(inboundDeliveries)
    .where(eq(inboundDeliveries.id, deliveryId));
  return { firstTime: false, status: row?.status ?? 'processing' };
}

/** Marks a delivery done, so no later attempt or redelivery answers it again. */
export async function finishDelivery(db: Db, deliveryId: string, status: 'answered' | 'failed'): Promise<void> {
  await db
    .update(inboundDeliveries)
    .set({ status, finishedAt: sql`now()` })
    .where(eq(inboundDeliveries.id, deliveryId));
}

/** The platform message ids already posted for a delivery, by part number. */
export async function loadReplies(db: Db, deliveryId: string): Promise<Map<number, string>> {
  const rows = await db
    .select({ part: replies.part, messageId: replies.messageId })
    .from(replies)
    .where(eq(replies.deliveryId, deliveryId));
  return new Map(rows.map((row) => [row.part, row.messageId]));
}

/** Remembers a posted message right after posting, so a retry edits it instead of posting a duplicate. */
export async function saveReply(
  db: Db,
  reply: { deliveryId: string; part: number; platform: Platform; messageId: string },
): Promise<void> {
  await db
    .insert(replies)
    .values(reply)
    .onConflictDoUpdate({ target: [replies.deliveryId, replies.part], set: { messageId: reply.messageId } });
}
