import { describe, expect, it } from 'vitest';
import { costOf, priceOf } from './price-table.js';

describe('price table', () => {
  it('prices each kind of token at its own rate, cache writes at 1.25× input and reads at 0.1×', () => {
    // Sonnet: $3 in, $15 out, $3.75 cache write, $0.30 cache read per million tokens.
    const usage = { inputTokens: 1_000_000, outputTokens: 100_000, cacheWriteTokens: 200_000, cacheReadTokens: 2_000_000 };
    expect(costOf('claude-sonnet-5-5', usage)).toBeCloseTo(3 + 1.5 + 0.75 + 0.6, 6);
    const opus = priceOf('claude-opus-4-1');
    expect(opus.cacheWrite).toBeCloseTo(opus.input * 1.25, 9);
    expect(opus.cacheRead).toBeCloseTo(opus.input * 0.1, 9);
  });

  it('counts a mostly cached prompt far cheaper than the same prompt uncached', () => {
    const uncached = costOf('claude-haiku-4-5', { inputTokens: 50_000, outputTokens: 500, cacheWriteTokens: 0, cacheReadTokens: 0 });
    const cached = costOf('claude-haiku-4-5', { inputTokens: 1_000, outputTokens: 500, cacheWriteTokens: 0, cacheReadTokens: 49_000 });
    // Haiku: 50k × $1 + 500 × $5 = $0.0525; cached: 1k × $1 + 49k × $0.10 + 500 × $5 = $0.0084.
    expect(uncached).toBeCloseTo(0.0525, 6);
    expect(cached).toBeCloseTo(0.0084, 6);
  });

  it('rounds to the micro-dollar the usage table keeps', () => {
    expect(costOf('claude-sonnet-5-5', { inputTokens: 1, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 })).toBe(0.000003);
  });
});
