import type { ThinkingSetting } from '../domain/channel-settings.js';
import { UserFacingError } from '../domain/errors.js';
import type { Effort, Reasoning } from '../claude/shape-request.js';

/**
 * The least a thinking budget may be: "Must be ≥1024 and less than max_tokens"
 * (`budget_tokens`, https://platform.claude.com/docs/en/build-with-claude/extended-thinking).
 */
export const MIN_THINKING_BUDGET = 1_024;
/** The most a channel may set: a budget is room added to every answer's max_tokens, which its worst case holds. */
export const MAX_THINKING_BUDGET = 64_000;

/** `config thinking on|off|default|<tokens>`. */
export function parseThinking(value: string): ThinkingSetting {
  const word = value.trim().toLowerCase().replace(/[,_]/g, '').replace(/\s*tokens?$/, '');
  if (word === 'on' || word === 'off' || word === 'default') return word;
  const tokens = /^\d+k$/.test(word) ? Number(word.slice(0, -1)) * 1000 : Number(word);
  if (!word || !Number.isInteger(tokens) || tokens < MIN_THINKING_BUDGET || tokens > MAX_THINKING_BUDGET) {
    throw new UserFacingError(
      `Thinking is \`on\`, \`off\`, \`default\`, or a budget in tokens from ${MIN_THINKING_BUDGET.toLocaleString('en-US')} to ` +
        `${MAX_THINKING_BUDGET.toLocaleString('en-US')} (such as \`config thinking 8000\`).`,
    );
  }
  return tokens;
}

export function describeThinking(thinking: ThinkingSetting | undefined): string {
  if (thinking === undefined || thinking === 'default') return 'default (as needed, medium effort)';
  if (thinking === 'on') return 'on (high effort)';
  if (thinking === 'off') return 'off';
  return `a budget of ${thinking.toLocaleString('en-US')} tokens`;
}

/** What a chat call asks of the model for a channel's thinking setting (shaped per model by src/claude/shape-request.ts). */
export interface ThinkingRequest {
  reasoning: Reasoning;
  effort: Effort;
  /** A thinking budget in tokens, where the channel set one. */
  thinkingBudget?: number;
}

/**
 * Chat's thinking for a channel. `default` is what chat has always asked (adaptive at medium effort: thinks where a
 * question needs it, without the latency of `high` on every reply); `on` is adaptive at high effort, where "Claude
 * almost always thinks" (https://platform.claude.com/docs/en/build-with-claude/effort); `off` is the least the model
 * allows; a budget caps thinking in tokens (see shapeRequest for how each model takes it).
 */
export function thinkingRequest(thinking: ThinkingSetting | undefined): ThinkingRequest {
  if (thinking === 'on') return { reasoning: 'adaptive', effort: 'high' };
  if (thinking === 'off') return { reasoning: 'off', effort: 'medium' };
  if (typeof thinking === 'number') return { reasoning: 'adaptive', effort: effortForBudget(thinking), thinkingBudget: thinking };
  return { reasoning: 'adaptive', effort: 'medium' };
}

/** The effort whose usual thinking fits a budget (the room shapeRequest gives each effort: 4,000 / 12,000 / 24,000). */
function effortForBudget(tokens: number): Effort {
  if (tokens <= 4_000) return 'low';
  if (tokens <= 12_000) return 'medium';
  return 'high';
}
