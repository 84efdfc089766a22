import type { Platform } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** What `forgetUser` deleted. */
export interface ForgottenCounts {
  /** The person's own messages, in every conversation on the platform. */
  messages: number;
  /** Xiaoliu's answers to those messages. */
  answers: number;
  /** HTTP API files attached to their answers (HTTP only). */
  files: number;
}

/**
 * Deletes everything a person said to Xiaoliu on one platform, in every thread, and Xiaoliu's answers to it. A
 * question and its answer share the delivery id (and conversation), which is how the answers are found. Only the
 * person's own questions are matched (role 'user'), so an HTTP API user who happens to be called "xiaoliu" cannot
 * take everyone's answers with them. Usage rows stay: they hold tokens and cost, no text.
 */
export async function forgetUser(sql: Sql, platform: Platform, authorId: string): Promise<ForgottenCounts> {
  return sql.begin(async (tx) => {
    const [counts] = await tx<{ messages: string; answers: string }[]>`
      with mine as (
        delete from messages m using conversations c
        where m.conversation_id = c.id and c.platform = ${platform} and m.author_id = ${authorId} and m.role = 'user'
        returning m.delivery_id, m.conversation_id
      ), answers as (
        delete from messages a
        where a.role = 'assistant' and (a.delivery_id, a.conversation_id) in (select delivery_id, conversation_id from mine)
        returning a.id
      )
      select (select count(*) from mine) as messages, (select count(*) from answers) as answers`;
    // HTTP API files belong to the key's user and are only ever attached to that user's answers.
    const files = platform === 'http' ? (await tx`delete from http_files where user_id = ${authorId}`).count : 0;
    return { messages: Number(counts!.messages), answers: Number(counts!.answers), files };
  });
}
