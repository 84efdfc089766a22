import type { InboundMessage } from '../domain/inbound-message.js';
import { channelKeyOf } from '../store/channel-settings.js';
import type { Sql } from '../store/database.js';
import { memoriesFor, type Memory } from '../store/memories.js';

/** Longest single memory, in characters. */
export const MEMORY_TEXT_MAX = 500;
/**
 * Most characters of memories given to the model with each question (about 1,000–2,000 tokens): the newest are kept
 * when there are more, and the prompt says how many were left out, so a channel with many memories never crowds out
 * the thread's own history or costs more than a short paragraph per answer.
 */
export const MEMORY_PROMPT_CHARS = 4000;

/** The memories a conversation in this channel starts from, as a system-prompt block; undefined when there are none. */
export async function memoryNote(sql: Sql, message: Pick<InboundMessage, 'platform' | 'address' | 'author'>): Promise<string | undefined> {
  const all = await memoriesFor(sql, channelKeyOf(message.platform, message.address), message.author.id);
  return noteOf(all, message.author.name);
}

export function noteOf(memories: readonly Memory[], askerName: string): string | undefined {
  const kept: string[] = [];
  let used = 0;
  for (let i = memories.length - 1; i >= 0; i--) {
    const m = memories[i]!;
    const line = m.scope === 'channel' ? `- ${m.text} (told by ${m.authorName})` : `- ${m.text} (${askerName}'s own note)`;
    if (used + line.length > MEMORY_PROMPT_CHARS) break;
    kept.unshift(line);
    used += line.length + 1;
  }
  if (!kept.length) return undefined;
  const left = memories.length - kept.length;
  return [
    'Facts the people here asked you to remember (true unless the conversation says otherwise):',
    ...kept,
    ...(left ? [`(${left} older memories were left out for length.)`] : []),
  ].join('\n');
}
