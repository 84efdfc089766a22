import type { Platform } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** What `forgetUser` deleted. */
export interface ForgottenCounts {
  /** The person's own messages, in every conversation on the platform. */
  messages: number;
  /** Xiaoliu's answers to those messages. */
  answers: number;
  /**
   * Files: those they attached (kept for their threads' follow-ups, and held uploads not yet read), and HTTP API files
   * attached to their answers.
   */
  files: number;
  /** What they posted in channels with `config knowledge on` (the search index's copies, src/knowledge/channel-posts.ts). */
  indexedPosts: number;
  /** The deliveries of the deleted messages, and the conversations they were in: for their copies in Redis. */
  deliveryIds: string[];
  conversationIds: number[];
}

/**
 * Deletes everything a person said to Xiaoliu on one platform, in every thread, and Xiaoliu's answers to it. A
 * question and its answer share the delivery id (and conversation), which is how the answers are found. Only the
 * person's own questions are matched (role 'user'), so an HTTP API user who happens to be called "xiaoliu" cannot
 * take everyone's answers with them. What they posted in channels with knowledge on goes from the index. Messages of theirs held for Redis (held_messages) go too, and count among their
 * messages, and so do their answers' rows (which keep the question for Regenerate) and their feedback. Usage rows
 * stay: they hold tokens and cost, no text.
 */
export async function forgetUser(sql: Sql, platform: Platform, authorId: string): Promise<ForgottenCounts> {
  return sql.begin(async (tx) => {
    const mine = await tx<{ deliveryId: string; conversationId: string }[]>`
      delete from messages m using conversations c
      where m.conversation_id = c.id and c.platform = ${platform} and m.author_id = ${authorId} and m.role = 'user'
      returning m.delivery_id as "deliveryId", m.conversation_id as "conversationId"`;
    const answers =
      mine.length === 0
        ? 0
        : (
            await tx`
              delete from messages a
              where a.role = 'assistant' and (a.delivery_id, a.conversation_id) in (
                select * from unnest(${tx.array(mine.map((m) => m.deliveryId))}::text[], ${tx.array(mine.map((m) => m.conversationId))}::bigint[]))`
          ).count;
    // Their questions as the answers' buttons keep them (Regenerate), and their feedback (ratings and reasons).
    await tx`delete from answers where platform = ${platform} and asker_id = ${authorId}`;
    await tx`delete from answer_feedback where platform = ${platform} and user_id = ${authorId}`;
    // Their paused tool calls hold the conversation so far; the audit of calls (tool_calls) holds no text and stays.
    await tx`delete from tool_approvals where platform = ${platform} and asker_id = ${authorId}`;
    const held = (await tx`delete from held_messages where message->>'platform' = ${platform} and message->'author'->>'id' = ${authorId}`).count;
    // HTTP API files belong to the key's user and are only ever attached to that user's answers.
    const answerFiles = platform === 'http' ? (await tx`delete from http_files where user_id = ${authorId}`).count : 0;
    // Files they attached, in every thread on the platform (a thread's earlier messages' too), and uploads not yet read.
    const attached = (
      await tx`
        delete from attachments a using conversations c
        where a.conversation_id = c.id and c.platform = ${platform} and a.author_id = ${authorId}`
    ).count;
    const uploaded = (await tx`delete from uploads where platform = ${platform} and user_id = ${authorId}`).count;
    const files = answerFiles + attached + uploaded;
    const indexedPosts = (await tx`delete from channel_posts where platform = ${platform} and author_id = ${authorId}`).count;
    return {
      indexedPosts,
      messages: mine.length + held,
      answers,
      files,
      deliveryIds: mine.map((m) => m.deliveryId),
      conversationIds: [...new Set(mine.map((m) => Number(m.conversationId)))],
    };
  });
}
