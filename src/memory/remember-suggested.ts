import { MAX_CHANNEL_MEMORIES } from '../commands/remember.js';
import type { AnswerRow } from '../store/answers.js';
import { recordAuditEntry } from '../store/audit-log.js';
import type { Sql } from '../store/database.js';
import { countChannelMemories, saveMemory } from '../store/memories.js';

/** What pressing "Remember this" did, in the words the presser reads. */
export interface Remembered {
  done: boolean;
  notice: string;
}

/**
 * "Remember this" pressed under an answer (the permission check is the caller's: the asker or an admin): keeps the
 * fact Claude suggested as a channel memory of the answer's channel, told by whoever pressed. Idempotent: the memory's
 * delivery id is `remember-<answer>`, so a double click, a second presser or a retried click keeps it once and is
 * told its number.
 */
export async function rememberSuggested(sql: Sql, answer: AnswerRow, by: { id: string; name: string }): Promise<Remembered> {
  const [row] = await sql<{ fact: string | null }[]>`select suggested_memory as fact from answers where delivery_id = ${answer.deliveryId}`;
  const fact = row?.fact;
  if (!fact) return { done: false, notice: 'There is nothing to remember from that answer.' };
  const deliveryId = `remember-${answer.deliveryId}`;
  const key = { platform: answer.platform, workspaceId: answer.workspaceId, channelId: answer.channelId };
  const [kept] = await sql<{ id: number }[]>`select id::int as id from memories where delivery_id = ${deliveryId}`;
  if (kept) return { done: true, notice: `Already remembered (#${kept.id}).` };
  if ((await countChannelMemories(sql, key)) >= MAX_CHANNEL_MEMORIES) {
    return { done: false, notice: `This channel keeps ${MAX_CHANNEL_MEMORIES} memories, the most it may: \`forget memory <n>\` one first.` };
  }
  const memory = await saveMemory(sql, { key, scope: 'channel', authorId: by.id, authorName: by.name, text: fact, deliveryId });
  // As `remember` records it: who added which channel memory, never its text.
  await recordAuditEntry(sql, {
    ...key,
    actorPlatform: answer.platform,
    actorId: by.id,
    actorName: by.name,
    action: 'memory.add',
    target: `memory-${memory.id}`,
    detail: `channel memory #${memory.id} (${fact.length} characters), suggested with an answer`,
    deliveryId,
  });
  return { done: true, notice: `Remembered for this channel (#${memory.id}): ${fact}` };
}
