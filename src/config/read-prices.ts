import { modelProblem } from '../claude/check-model.js';
import type { ModelPrice, PriceOverrides } from '../claude/price-table.js';
import { ConfigError } from '../domain/errors.js';

const FIELDS = ['input', 'output', 'cacheWrite', 'cacheRead'] as const;

/**
 * CLAUDE_PRICES: the operator's prices, US dollars per million tokens by model id (prefix), for a model the list does
 * not know yet or a negotiated rate, e.g. `{"claude-new-6":{"input":3,"output":15,"cacheWrite":3.75,"cacheRead":0.3}}`.
 */
export function readPrices(raw: string | undefined): PriceOverrides {
  if (!raw?.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('CLAUDE_PRICES', 'CLAUDE_PRICES must be JSON: {"model-id":{"input":3,"output":15,"cacheWrite":3.75,"cacheRead":0.3}}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('CLAUDE_PRICES', 'CLAUDE_PRICES must be a JSON object of model ids to prices');
  }
  const prices: PriceOverrides = {};
  for (const [model, value] of Object.entries(parsed)) {
    const entry = (value ?? {}) as Record<string, unknown>;
    const price = {} as ModelPrice;
    for (const field of FIELDS) {
      const n = entry[field];
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
        throw new ConfigError('CLAUDE_PRICES', `CLAUDE_PRICES: "${model}" needs "${field}", US dollars per million tokens (a number ≥ 0)`);
      }
      price[field] = n;
    }
    prices[model] = price;
  }
  return prices;
}

/** CLAUDE_MODEL, refused at start-up when it is retired or has no price (every call would fail, or go uncounted). */
export function checkDefaultModel(model: string, prices: PriceOverrides): string {
  const problem = modelProblem(model, prices);
  if (problem) throw new ConfigError('CLAUDE_MODEL', `CLAUDE_MODEL: ${problem}`);
  return model;
}
