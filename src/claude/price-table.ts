/** US dollars per million tokens of each kind. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** Token counts of one model call, as the Messages API reports them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
}

// List prices by model family (5-minute cache writes at 1.25× input, reads at 0.1×). A family is matched by name,
// so dated and point releases of a family price alike; an unknown model is priced as Sonnet, the middle tier.
const FAMILY_PRICES: Record<'opus' | 'sonnet' | 'haiku', ModelPrice> = {
  opus: { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  sonnet: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  haiku: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
};

/** The price of a model, by family. */
export function priceOf(model: string): ModelPrice {
  if (model.includes('opus')) return FAMILY_PRICES.opus;
  if (model.includes('haiku')) return FAMILY_PRICES.haiku;
  return FAMILY_PRICES.sonnet;
}

/** What a call cost in US dollars, rounded to the micro-dollar the usage table keeps. */
export function costOf(model: string, usage: TokenUsage): number {
  const price = priceOf(model);
  const dollars =
    (usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      usage.cacheWriteTokens * price.cacheWrite +
      usage.cacheReadTokens * price.cacheRead) /
    1_000_000;
  return Math.round(dollars * 1_000_000) / 1_000_000;
}
