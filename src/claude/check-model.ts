import { traitsOf } from './model-traits.js';
import { priceOf, type PriceOverrides } from './price-table.js';

/**
 * Why a model cannot be used, in words for whoever chose it; undefined when it can. A model with no known price
 * would make every budget meaningless, and a retired one fails every call: both are refused before any call.
 */
export function modelProblem(model: string, prices: PriceOverrides, today = new Date()): string | undefined {
  const retiredOn = traitsOf(model)?.retiredOn;
  if (retiredOn && today.toISOString().slice(0, 10) >= retiredOn) {
    return `${model} was retired by Anthropic on ${retiredOn} and no longer answers: choose a current model such as claude-sonnet-5-5`;
  }
  if (!priceOf(model, prices)) {
    return `${model} has no known price, so its spending could not be counted against budgets: use a listed model, or give its price in CLAUDE_PRICES`;
  }
  return undefined;
}
