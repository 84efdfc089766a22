import { describe, expect, it } from 'vitest';
import { modelProblem } from './check-model.js';
import { costOf, priceOf } from './price-table.js';

const usage = (inputTokens: number, outputTokens: number, cacheWriteTokens = 0, cacheReadTokens = 0) => ({ inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens });

describe('price table', () => {
  it('adds $10 per 1,000 web searches to the tokens, and nothing for web fetches', () => {
    // https://platform.claude.com/docs/en/about-claude/pricing ("Web search tool", "Web fetch tool")
    expect(costOf('claude-sonnet-5-5', { ...usage(1_000_000, 0), webSearches: 3, webFetches: 4 })).toBe(2.03);
    expect(costOf('claude-sonnet-5-5', { ...usage(0, 0), webFetches: 4 })).toBe(0);
  });

  it('prices the default model at its published rates: $2 in, $10 out, $2.50 cache write, $0.10 cache read', () => {
    // https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide
    expect(costOf('claude-sonnet-5-5', usage(1_000_000, 100_000, 200_000, 2_000_000))).toBeCloseTo(2 + 1 + 0.5 + 0.2, 6);
  });

  it('prices a dated id as its model, never as the shorter id it starts with', () => {
    expect(priceOf('claude-sonnet-5-5-20260928')).toEqual(priceOf('claude-sonnet-5-5'));
    expect(priceOf('claude-sonnet-5-5')!.cacheRead).toBe(0.1);
    expect(priceOf('claude-sonnet-5')!.cacheRead).toBe(0.2);
    expect(priceOf('claude-haiku-4-5-20251001')).toEqual(priceOf('claude-haiku-4-5'));
  });

  it('prices Fable at Fable rates, not Sonnet: a $20 budget buys a fifth as much', () => {
    const answer = usage(10_000, 2_000);
    expect(costOf('claude-fable-5-1', answer)).toBeCloseTo(0.2, 6);
    expect(costOf('claude-fable-5-1', answer)! / costOf('claude-sonnet-5-5', answer)!).toBeCloseTo(5, 6);
  });

  it('prices Haiku 5.5 by its two bands, the prompt counting cache reads and writes', () => {
    // Up to 100,000 prompt tokens: $0.10 / $0.50. Over: $0.50 / $2.50 for the whole request.
    expect(costOf('claude-haiku-5-5', usage(50_000, 1_000))).toBeCloseTo(0.005 + 0.0005, 6);
    expect(costOf('claude-haiku-5-5', usage(20_000, 1_000, 0, 90_000))).toBeCloseTo(0.01 + 0.0045 + 0.0025, 6);
  });

  it('knows no price for a model it does not list, instead of guessing one', () => {
    expect(priceOf('claude-unknown-9')).toBeUndefined();
    expect(costOf('claude-unknown-9', usage(1, 1))).toBeUndefined();
    expect(priceOf('claude-unknown-9', { 'claude-unknown': { input: 1, output: 2, cacheWrite: 1.25, cacheRead: 0.1 } })!.output).toBe(2);
  });

  it('counts a mostly cached prompt far cheaper than the same prompt uncached', () => {
    // Haiku 4.5: 50k × $1 + 500 × $5 = $0.0525; cached: 1k × $1 + 49k × $0.10 + 500 × $5 = $0.0084.
    expect(costOf('claude-haiku-4-5', usage(50_000, 500))).toBeCloseTo(0.0525, 6);
    expect(costOf('claude-haiku-4-5', usage(1_000, 500, 0, 49_000))).toBeCloseTo(0.0084, 6);
  });

  it('rounds to the micro-dollar the usage table keeps', () => {
    expect(costOf('claude-sonnet-5-5', usage(1, 0))).toBe(0.000002);
  });
});

describe('modelProblem', () => {
  it('refuses a retired model and an unpriced one, and says what to do', () => {
    expect(modelProblem('claude-sonnet-4-5', {}, new Date('2026-12-03'))).toMatch(/retired by Anthropic on 2026-11-30/);
    expect(modelProblem('claude-sonnet-4-5', {}, new Date('2026-11-01'))).toBeUndefined();
    expect(modelProblem('claude-new-9', {})).toMatch(/no known price.*CLAUDE_PRICES/);
    expect(modelProblem('claude-sonnet-5-5', {})).toBeUndefined();
  });
});
