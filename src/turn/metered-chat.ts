import type { ChatRequest, ChatResult, ClaudeClient } from '../claude/claude-client.js';
import type { PriceOverrides } from '../claude/price-table.js';
import type { LimitGuard, Payer, Reservation } from '../commands/command.js';
import type { Logger } from '../log/create-logger.js';
import { fileTokensIn } from '../attachments/file-blocks.js';
import { worstCaseOf } from '../budget/worst-case.js';
import type { Sql } from '../store/database.js';
import { recordUsage, type Caller, type Spent } from '../store/usage.js';

export interface MeterDeps {
  claude: ClaudeClient;
  sql: Sql;
  limits: LimitGuard;
  prices?: PriceOverrides | undefined;
  log: Logger;
}

/**
 * One model call, paid for attempt by attempt: before each attempt its worst case is held against the payer's daily
 * budgets (src/budget/), and after it, answered, failed or aborted, what the API reported it used is recorded,
 * then the hold dropped. So concurrent calls on any worker cannot together pass a budget unseen, and a retried or
 * cut-off call is charged for every attempt it made.
 */
export async function meteredChat(deps: MeterDeps, payer: Caller & Payer, request: ChatRequest): Promise<ChatResult> {
  let worst: Spent | undefined;
  const worstCase = () => (worst ??= worstCaseOf(request, deps.prices));
  let held: Reservation | undefined;
  return deps.claude.chat({
    ...request,
    async beforeAttempt() {
      held = await deps.limits.reserve(payer, worstCase, deps.log);
    },
    async afterAttempt({ attempt, model, usage, costUsd }) {
      const reservation = held;
      held = undefined;
      // An attempt refused before its stream began used nothing and is not billed: no row.
      const used = usage.inputTokens + usage.outputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
      try {
        if (used > 0) {
          const { platform, workspaceId, channelId, userId, deliveryId, conversationId } = payer;
          const attachmentTokens = fileTokensIn(request.messages);
          await recordUsage(deps.sql, { deliveryId, conversationId, platform, workspaceId, channelId, userId, model, costUsd, attachmentTokens, ...usage });
        }
      } catch (error) {
        // Unrecorded, the cost must stay held until the hold lapses, or the next call would not see it.
        reservation?.lapse();
        deps.log.error({ err: error, attempt, costUsd }, 'could not record what a model call cost; its budget hold lapses in a few minutes');
        throw error;
      }
      await reservation?.release();
    },
  });
}
