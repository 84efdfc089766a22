import type Anthropic from '@anthropic-ai/sdk';
import { fileBlock, fitFiles } from '../attachments/file-blocks.js';
import type { StoredMessage } from '../store/conversations.js';

/** What the model is sent: system prompt and the conversation, shaped for prompt caching. */
export interface Prompt {
  system: Anthropic.TextBlockParam[];
  messages: Anthropic.MessageParam[];
  /** How many stored messages were left out to stay within the token budget. */
  dropped: number;
}

type HistoryItem = Pick<StoredMessage, 'role' | 'authorName' | 'text' | 'tokens' | 'files'>;

/**
 * Builds the model's input from a conversation whose last message is the question. The oldest messages are dropped
 * to stay within `tokenBudget`; user turns are prefixed with the speaker's name, because threads have many speakers.
 * Cache breakpoints mark the stable prefix (system prompt, then everything before the question), so each new
 * question in a thread reads the earlier turns from the cache instead of paying for them again. `notes` are system
 * text after the persona (the channel's memories, src/memory/memory-prompt.ts).
 *
 * Files go before the words they came with (images and documents first is what the model reads best:
 * https://platform.claude.com/docs/en/build-with-claude/vision). The newest files that fit one request's limits are
 * sent (fitFiles); an older one left out is named instead. Files do not count against the text budget: they have
 * their own limits, so a follow-up to a long PDF still sees it. The question's last file carries a breakpoint of its
 * own, so the next turn reads it from the cache rather than paying for it again.
 */
export function buildPrompt(systemPrompt: string, history: HistoryItem[], tokenBudget: number, notes: readonly string[] = []): Prompt {
  const kept: HistoryItem[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i]!;
    // The question itself is always sent, however long; the budget decides how much context comes with it.
    if (kept.length > 0 && used + item.tokens > tokenBudget) break;
    kept.unshift(item);
    used += item.tokens;
  }
  // The Messages API wants the conversation to open with a user turn.
  while (kept.length > 0 && kept[0]!.role !== 'user') kept.shift();
  const dropped = history.length - kept.length;

  const fitted = fitFiles(kept);
  const messages: Anthropic.MessageParam[] = [];
  for (const [index, item] of kept.entries()) {
    const text = item.role === 'user' ? `[${item.authorName}] ${item.text}` : item.text;
    const files = fitted.get(item);
    const fileBlocks = (files?.sent ?? []).map(fileBlock);
    if (index === kept.length - 1 && fileBlocks.length) fileBlocks[fileBlocks.length - 1] = { ...fileBlocks.at(-1)!, cache_control: { type: 'ephemeral' } };
    const blocks: Anthropic.ContentBlockParam[] = [...fileBlocks];
    const left = files?.left.map((f) => `\`${f.name}\``).join(', ');
    blocks.push({ type: 'text', text: left ? `${text}\n(Attached earlier, not shown again to stay within the request's limits: ${left}.)` : text });
    const last = messages.at(-1);
    // Roles must alternate: questions left unanswered (a failed attempt) merge into the next user turn.
    if (last && last.role === item.role) {
      (last.content as Anthropic.ContentBlockParam[]).push(...blocks);
    } else {
      messages.push({ role: item.role, content: blocks });
    }
  }
  const prefixEnd = messages.at(-2);
  if (prefixEnd) {
    const blocks = prefixEnd.content as Anthropic.ContentBlockParam[];
    blocks[blocks.length - 1] = { ...(blocks[blocks.length - 1] as Anthropic.TextBlockParam), cache_control: { type: 'ephemeral' } };
  }
  // Notes (the channel's memories) follow the persona in a block of their own; the breakpoint stays on the last block.
  const system: Anthropic.TextBlockParam[] = [systemPrompt, ...notes].map((text) => ({ type: 'text', text }));
  system[system.length - 1] = { ...system[system.length - 1]!, cache_control: { type: 'ephemeral' } };
  return {
    system,
    messages,
    dropped,
  };
}
