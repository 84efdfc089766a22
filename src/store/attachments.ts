import type { PreparedFile } from '../attachments/prepare-file.js';
import type { Conversation } from './conversations.js';
import type { Sql } from './database.js';

/** Whose message a set of files came with. */
export interface FileOwner {
  conversationId: number;
  deliveryId: string;
  authorId: string;
}

/** Keeps a message's files for the thread's follow-ups; storing the same message's files again adds nothing. */
export async function saveAttachments(sql: Sql, owner: FileOwner, files: readonly PreparedFile[]): Promise<void> {
  if (files.length === 0) return;
  const rows = files.map((f, position) => ({
    conversation_id: owner.conversationId,
    delivery_id: owner.deliveryId,
    position,
    author_id: owner.authorId,
    name: f.name,
    kind: f.kind,
    media_type: f.mediaType,
    data: f.data,
    tokens: f.tokens,
    pages: f.pages,
  }));
  await sql`insert into attachments ${sql(rows)} on conflict (delivery_id, position) do nothing`;
}

/** Whether this delivery's files are stored already (a retried job does not download them again). */
export async function hasAttachments(sql: Sql, deliveryId: string): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`select exists(select 1 from attachments where delivery_id = ${deliveryId}) as found`;
  return row!.found;
}

/** Most files read back for one question: the per-request limits keep fewer than this anyway. */
const FILE_ROWS = 60;

/**
 * The conversation's files since its last `reset`, newest FILE_ROWS of them, by the delivery of the message they came
 * with. Scoped by the conversation's id, which is its tenant's own.
 */
export async function loadAttachments(sql: Sql, conversation: Conversation): Promise<Map<string, PreparedFile[]>> {
  const rows = await sql<{ deliveryId: string; name: string; kind: PreparedFile['kind']; mediaType: string; data: Buffer; tokens: number; pages: number }[]>`
    select * from (
      select id, delivery_id as "deliveryId", name, kind, media_type as "mediaType", data, tokens, pages from attachments
      where conversation_id = ${conversation.id}
        and (${conversation.resetAt}::timestamptz is null or created_at > ${conversation.resetAt})
      order by id desc limit ${FILE_ROWS}) newest
    order by id`;
  const byDelivery = new Map<string, PreparedFile[]>();
  for (const { deliveryId, ...file } of rows) {
    const list = byDelivery.get(deliveryId) ?? [];
    list.push({ ...file, data: Buffer.from(file.data) });
    byDelivery.set(deliveryId, list);
  }
  return byDelivery;
}
