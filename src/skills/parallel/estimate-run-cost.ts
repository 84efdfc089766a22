import { priceOf, type PriceOverrides } from '../../claude/price-table.js';
import { estimateTokens } from '../../render/estimate-tokens.js';
import type { ParallelPlan } from './parallel-plan.js';

/** What a run may cost before it starts: one call per sub-task, then the merge. */
export interface RunEstimate {
  /** Model calls the run makes. */
  calls: number;
  /** US dollars, at most (every answer at its length limit). */
  usd: number;
}

/** Tokens of the fixed instructions wrapped around each call (sub-task and merge prompts). */
const PROMPT_OVERHEAD_TOKENS = 200;

/**
 * An upper estimate, so the confirmation never promises less than the run spends: every sub-task and the merge is
 * priced as if its answer ran to `maxTokens`, and the merge reads all those answers. Cache discounts are ignored.
 */
export function estimateRunCost(
  plan: ParallelPlan,
  request: string,
  options: { model: string; maxTokens: number; systemPrompt: string; prices?: PriceOverrides },
): RunEstimate {
  const price = priceOf(options.model, options.prices);
  // Models are checked for a price before any call; one without reads as costly, so the run asks first.
  if (!price) return { calls: plan.subtasks.length + 1, usd: Number.POSITIVE_INFINITY };
  const shared = estimateTokens(options.systemPrompt) + estimateTokens(request) + estimateTokens(plan.goal) + PROMPT_OVERHEAD_TOKENS;
  let input = 0;
  for (const subtask of plan.subtasks) input += shared + estimateTokens(subtask.title) + estimateTokens(subtask.instructions);
  input += shared + plan.subtasks.length * options.maxTokens; // the merge reads every result
  const output = (plan.subtasks.length + 1) * options.maxTokens;
  const usd = (input * price.input + output * price.output) / 1_000_000;
  return { calls: plan.subtasks.length + 1, usd: Math.round(usd * 10_000) / 10_000 };
}
