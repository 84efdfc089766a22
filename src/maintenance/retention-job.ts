import { deleteAuditEntriesBefore } from '../store/audit-log.js';
import type { Sql } from '../store/database.js';

/** What one retention run deleted. */
export interface RetentionResult {
  messages: number;
  httpFiles: number;
  /** Files attached to messages (kept for follow-ups), and uploads never read. */
  attachments: number;
  conversations: number;
  /** Personal memories (`remember for me`) kept longer than the messages are. Channel memories are the team's: kept. */
  personalMemories: number;
  /** Channel messages indexed for knowledge search (`config knowledge on`), by when they were posted. */
  channelPosts: number;
  /** Audit log entries, under their own limit. */
  auditEntries: number;
}

export interface RetentionOptions {
  /** Messages, files and conversations older than this many days are deleted; 0: kept (RETENTION_DAYS=0). */
  days: number;
  /**
   * Audit log entries older than this many days are deleted (AUDIT_RETENTION_DAYS); 0 or absent: kept. A limit of its
   * own: who changed what is kept long after what was said is gone.
   */
  auditDays?: number;
  /** Rows per delete statement (default 1000); files, which can be megabytes each, go in batches a tenth that size. */
  batchRows?: number;
  /** Checked between batches: a worker shutting down stops here, and the next run carries on where this one ended. */
  signal?: AbortSignal;
}

/**
 * Deletes what was said more than `days` ago: messages, attached files and HTTP API files, then conversations left with nothing in
 * them; and audit entries older than `auditDays`. Usage rows stay (they hold tokens and cost, no text, and budgets and
 * reports need them). Each batch is a statement of its own, so a big backlog never holds locks on the tables for long
 * and concurrent answers carry on.
 */
export async function deleteExpiredData(sql: Sql, options: RetentionOptions): Promise<RetentionResult> {
  const auditDays = options.auditDays ?? 0;
  for (const [name, days] of [['days', options.days], ['auditDays', auditDays]] as const) {
    if (!Number.isInteger(days) || days < 0) throw new Error(`retention needs a whole number of ${name} >= 0, 0 for none (got ${days})`);
  }
  const messages = options.days > 0 ? await deleteExpiredMessages(sql, options.days, options) : { messages: 0, httpFiles: 0, attachments: 0, conversations: 0, personalMemories: 0, channelPosts: 0 };
  const auditEntries = auditDays > 0 ? await deleteExpiredAudit(sql, auditDays, options) : 0;
  return { ...messages, auditEntries };
}

/** One cutoff for a whole run, so rows are judged by the same moment however long the run takes. */
async function cutoffOf(sql: Sql, days: number): Promise<string> {
  const [row] = await sql<{ cutoff: string }[]>`select (now() - make_interval(days => ${days}))::text as cutoff`;
  return row!.cutoff;
}

async function deleteExpiredAudit(sql: Sql, days: number, options: RetentionOptions): Promise<number> {
  const batch = options.batchRows ?? 1000;
  const cutoff = await cutoffOf(sql, days);
  return inBatches(batch, options.signal, () => deleteAuditEntriesBefore(sql, cutoff, batch));
}

async function deleteExpiredMessages(sql: Sql, days: number, options: RetentionOptions): Promise<Omit<RetentionResult, 'auditEntries'>> {
  const batch = options.batchRows ?? 1000;
  const fileBatch = Math.max(1, Math.floor(batch / 10));
  const cutoff = await cutoffOf(sql, days);

  // No ORDER BY: a sequential scan that stops after `batch` matches finds the oldest rows at the start of the table
  // without an index on created_at, and the order they go in does not matter.
  const messages = await inBatches(batch, options.signal, async () => {
    const result = await sql`
      delete from messages where id in (
        select id from messages where created_at < ${cutoff}::timestamptz limit ${batch})`;
    return result.count;
  });
  // The answers' rows keep each question's words (for Regenerate) and feedback its reasons: both go with the messages.
  await inBatches(batch, options.signal, async () => {
    const result = await sql`
      delete from answers where delivery_id in (
        select delivery_id from answers where created_at < ${cutoff}::timestamptz limit ${batch})`;
    return result.count;
  });
  await sql`update answer_feedback set reason = null where reason is not null and at < ${cutoff}::timestamptz`;
  // A paused tool call keeps the conversation it paused in: it goes with the messages (long decided or lapsed by then).
  await inBatches(batch, options.signal, async () => {
    const result = await sql`
      delete from tool_approvals where id in (select id from tool_approvals where created_at < ${cutoff}::timestamptz limit ${batch})`;
    return result.count;
  });
  const httpFiles = await inBatches(fileBatch, options.signal, async () => {
    const result = await sql`
      delete from http_files where id in (
        select id from http_files where created_at < ${cutoff}::timestamptz limit ${fileBatch})`;
    return result.count;
  });
  const attachments =
    (await inBatches(fileBatch, options.signal, async () => {
      const result = await sql`
        delete from attachments where id in (
          select id from attachments where created_at < ${cutoff}::timestamptz limit ${fileBatch})`;
      return result.count;
    })) +
    (await inBatches(fileBatch, options.signal, async () => {
      const result = await sql`
        delete from uploads where id in (
          select id from uploads where created_at < ${cutoff}::timestamptz limit ${fileBatch})`;
      return result.count;
    }));
  // A conversation with no messages left and no recent delivery is an empty shell: it only says who talked where.
  // inbound_deliveries point at it with ON DELETE SET NULL, and usage.conversation_id is a plain number, so nothing
  // that is kept breaks. The recent-delivery check spares a thread that was just asked in again but whose question
  // is not stored yet (claimDelivery records the delivery before the command saves the message).
  const conversations = await inBatches(batch, options.signal, async () => {
    const result = await sql`
      delete from conversations where id in (
        select c.id from conversations c
        where c.created_at < ${cutoff}::timestamptz
          and not exists (select 1 from messages m where m.conversation_id = c.id)
          and not exists (
            select 1 from inbound_deliveries d where d.conversation_id = c.id and d.received_at >= ${cutoff}::timestamptz)
        limit ${batch})`;
    return result.count;
  });
  const personalMemories = await inBatches(batch, options.signal, async () => {
    const result = await sql`
      delete from memories where id in (
        select id from memories where scope = 'person' and created_at < ${cutoff}::timestamptz limit ${batch})`;
    return result.count;
  });
  // What people posted in channels with knowledge on is what was said, under the same limit (by when it was posted, so
  // a backfilled old message goes at the next run).
  const channelPosts = await inBatches(batch, options.signal, async () => {
    const result = await sql`
      delete from channel_posts where id in (
        select id from channel_posts where posted_at < ${cutoff}::timestamptz limit ${batch})`;
    return result.count;
  });
  return { messages, httpFiles, attachments, conversations, personalMemories, channelPosts };
}

/** Runs `step` until it deletes less than a full batch (nothing more to do) or the signal says stop. */
async function inBatches(batch: number, signal: AbortSignal | undefined, step: () => Promise<number>): Promise<number> {
  let total = 0;
  while (!signal?.aborted) {
    const deleted = await step();
    total += deleted;
    if (deleted < batch) break;
  }
  return total;
}
