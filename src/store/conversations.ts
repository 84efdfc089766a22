import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { ReplyAddress, Platform } from '../domain/inbound-message.js';
import type { Db } from './database.js';
import { conversations, messages } from './schema.js';

/** A conversation row as the worker needs it. */
export interface Conversation {
  id: number;
  /** Messages before this moment are not context any more (`reset`). */
  resetAt: Date | null;
}

/** A stored message in the shape history is built from. */
export interface StoredMessage {
  id: number;
  deliveryId: string;
  role: 'user' | 'assistant';
  authorName: string;
  text: string;
  tokens: number;
}

/** The conversation of a platform thread, created on first use (concurrent first uses agree on one row). */
export async function findOrCreateConversation(db: Db, platform: Platform, address: ReplyAddress): Promise<Conversation> {
  const key = {
    platform,
    workspaceId: address.workspaceId,
    channelId: address.channelId,
    threadId: address.threadId ?? '-',
  };
  // The no-op update makes RETURNING yield the existing row too, in one round trip.
  const [row] = await db
    .insert(conversations)
    .values(key)
    .onConflictDoUpdate({
      target: [conversations.platform, conversations.workspaceId, conversations.channelId, conversations.threadId],
      set: { platform: sql`excluded.platform` },
    })
    .returning({ id: conversations.id, resetAt: conversations.resetAt });
  if (!row) throw new Error('conversation upsert returned no row');
  return row;
}

/** Ends a thread's context: later answers no longer see what was said before now. */
export async function resetConversation(db: Db, conversationId: number): Promise<void> {
  await db.update(conversations).set({ resetAt: sql`now()` }).where(eq(conversations.id, conversationId));
}

/** Stores one message; storing the same delivery's message of the same role again is a no-op. */
export async function saveMessage(
  db: Db,
  message: Omit<StoredMessage, 'id'> & { conversationId: number; authorId: string },
): Promise<void> {
  await db.insert(messages).values(message).onConflictDoNothing({ target: [messages.deliveryId, messages.role] });
}

/** The conversation's messages since its last reset, oldest first. */
export async function loadMessages(db: Db, conversation: Conversation): Promise<StoredMessage[]> {
  const since = conversation.resetAt;
  return db
    .select({
      id: messages.id,
      deliveryId: messages.deliveryId,
      role: messages.role,
      authorName: messages.authorName,
      text: messages.text,
      tokens: messages.tokens,
    })
    .from(messages)
    .where(
      since
        ? and(eq(messages.conversationId, conversation.id), gt(messages.createdAt, since))
        : eq(messages.conversationId, conversation.id),
    )
    .orderBy(asc(messages.id));
}
