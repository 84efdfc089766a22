import { fileTokensOf } from '../attachments/file-blocks.js';
import type { ChatRequest } from '../claude/claude-client.js';
import { costOf, type PriceOverrides } from '../claude/price-table.js';
import { webWorstCase } from '../tools/web-tools.js';
import { shapeRequest } from '../claude/shape-request.js';
import { estimateTokens } from '../render/estimate-tokens.js';
import type { Spent } from '../store/usage.js';

/**
 * Room for what the API adds to a prompt that the request's own text does not show (the instructions that come
 * with tools, message framing). Our own margin: the API documents no single figure for all models.
 */
const HIDDEN_PROMPT_TOKENS = 500;

/**
 * The most one attempt of a call can cost, what the daily budgets hold while it runs: its prompt, estimated from
 * the request as sent (JSON and all, which leans high; attached files by their documented token estimates), priced at the dearer of the input and cache-write rates;
 * plus `max_tokens` of output as the call is shaped for its model, room for thinking included (thinking counts
 * against `max_tokens`, and only what was produced is billed). A model with no price holds its tokens and $0, as it
 * is recorded (callers refuse such models before calling). With web search on, every search `max_uses` allows is
 * held at its price, and the pages the web tools may read as prompt.
 */
export function worstCaseOf(request: ChatRequest, prices?: PriceOverrides): Spent {
  const { structuredVia: _via, thinks: _thinks, ...shaped } = shapeRequest(request);
  const { max_tokens: output, ...prompt } = shaped;
  // Attached files count by their own estimate (src/attachments/attachment-limits.ts): their base64 says nothing
  // about their tokens, and counted as text it would make a screenshot look like a novel.
  let files = 0;
  const json = JSON.stringify({ ...prompt, messages: request.messages }, (_key, value: unknown) => {
    const tokens = fileTokensOf(value);
    if (tokens === undefined) return value;
    files += tokens;
    return null;
  });
  // Server tools (web search and fetch) add what they read to the prompt, and searches cost per use, up to max_uses.
  const web = webWorstCase(request.tools);
  const input = estimateTokens(json) + files + HIDDEN_PROMPT_TOKENS + web.inputTokens;
  const none = { inputTokens: 0, outputTokens: output, cacheWriteTokens: 0, cacheReadTokens: 0, webSearches: web.searches };
  const usd = Math.max(
    costOf(request.model, { ...none, inputTokens: input }, prices) ?? 0,
    costOf(request.model, { ...none, cacheWriteTokens: input }, prices) ?? 0,
  );
  return { usd, tokens: input + output };
}
