import { longestPrefix } from './model-traits.js';

/** US dollars per million tokens of each kind (Claude API list prices, 5-minute cache writes). */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
  /** Dearer rates for the whole request once its prompt (input, cache writes and reads together) passes `above` tokens. */
  longPrompt?: { above: number } & Omit<ModelPrice, 'longPrompt'>;
}

/** Token counts of one model call, as the Messages API reports them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  /** Web searches the API ran (`usage.server_tool_use.web_search_requests`), billed per search on top of tokens. */
  webSearches?: number;
  /** Web fetches the API ran: no charge of their own, only the tokens of what was read. */
  webFetches?: number;
}

/**
 * Web search: "$10 per 1,000 searches, plus standard token costs for search-generated content"; web fetch: "no
 * additional charges beyond standard token costs" (https://platform.claude.com/docs/en/about-claude/pricing, "Web
 * search tool" and "Web fetch tool"; the tools' pages say the same). A search that failed is not billed.
 */
export const WEB_SEARCH_USD = 10 / 1000;

/** Operator prices by model id prefix (CLAUDE_PRICES), taking precedence over the list below. */
export type PriceOverrides = Record<string, ModelPrice>;

const price = (input: number, output: number, cacheWrite: number, cacheRead: number): ModelPrice => ({ input, output, cacheWrite, cacheRead });

/**
 * List prices, checked 2026-12-03 against https://platform.claude.com/docs/en/about-claude/pricing and each model's
 * page (the README's price table cites them row by row). By id prefix, the longest that ends at a separator wins, so
 * dated ids price as their model and `claude-sonnet-5-5` never falls back to `claude-sonnet-5`. A model missing here
 * has no price: Xiaoliu refuses to call it rather than guess (set CLAUDE_PRICES to use it).
 */
const LIST_PRICES: Record<string, ModelPrice> = {
  // Fable 5.2 / Mythos 5.2: $8 / $40 (https://platform.claude.com/docs/en/models/fable-5-2/whats-new-fable-5-2); the
  // cache rates are not on that page and follow the family's ratios as published by the pricing page.
  'claude-fable-5-2': price(8, 40, 10, 0.2),
  'claude-mythos-5-2': price(8, 40, 10, 0.2),
  'claude-fable-5-1': price(10, 50, 12.5, 0.25),
  'claude-mythos-5-1': price(10, 50, 12.5, 0.25),
  'claude-fable-5': price(10, 50, 12.5, 1),
  'claude-mythos-5': price(10, 50, 12.5, 1),
  // https://platform.claude.com/docs/en/models/opus-5-5/whats-new-opus-5-5: $4 / $20, cache reads $0.20.
  'claude-opus-5-5': price(4, 20, 5, 0.2),
  'claude-opus-5': price(5, 25, 6.25, 0.5),
  // https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide: Sonnet 5's prices, except cache reads at
  // $0.10, half Sonnet 5's (since 2026-10-07).
  'claude-sonnet-5-5': price(2, 10, 2.5, 0.1),
  'claude-sonnet-5': price(2, 10, 2.5, 0.2),
  // Haiku 5.5 has two bands; a prompt over 100,000 tokens, cache reads and writes included, is billed at the second.
  'claude-haiku-5-5': { ...price(0.1, 0.5, 0.125, 0.01), longPrompt: { above: 100_000, ...price(0.5, 2.5, 0.625, 0.05) } },
  'claude-opus-4-8': price(5, 25, 6.25, 0.5),
  'claude-opus-4-7': price(5, 25, 6.25, 0.5),
  'claude-opus-4-6': price(5, 25, 6.25, 0.5),
  'claude-opus-4-5': price(5, 25, 6.25, 0.5),
  'claude-sonnet-4-6': price(3, 15, 3.75, 0.3),
  'claude-sonnet-4-5': price(3, 15, 3.75, 0.3),
  'claude-haiku-4-5': price(1, 5, 1.25, 0.1),
};

/** The price of a model: the operator's own first, then the list; undefined when neither knows it. */
export function priceOf(model: string, overrides: PriceOverrides = {}): ModelPrice | undefined {
  return longestPrefix(overrides, model) ?? longestPrefix(LIST_PRICES, model);
}

/**
 * What a call cost in US dollars, rounded to the micro-dollar the usage table keeps; undefined for a model with no
 * price (callers refuse such models before calling them).
 */
export function costOf(model: string, usage: TokenUsage, overrides: PriceOverrides = {}): number | undefined {
  const list = priceOf(model, overrides);
  if (!list) return undefined;
  const prompt = usage.inputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
  const rate = list.longPrompt && prompt > list.longPrompt.above ? list.longPrompt : list;
  const dollars =
    (usage.inputTokens * rate.input +
      usage.outputTokens * rate.output +
      usage.cacheWriteTokens * rate.cacheWrite +
      usage.cacheReadTokens * rate.cacheRead) /
      1_000_000 +
    (usage.webSearches ?? 0) * WEB_SEARCH_USD;
  return Math.round(dollars * 1_000_000) / 1_000_000;
}
