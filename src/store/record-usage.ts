import type { TokenUsage } from '../claude/price-table.js';
import type { Db } from './database.js';
import { usage } from './schema.js';

/** Who and where a model call was for; usage is kept per user, channel and workspace for budgets. */
export interface UsageContext {
  deliveryId: string;
  conversationId: number;
  platform: string;
  workspaceId: string;
  channelId: string;
  userId: string;
}

/** Records one model call's tokens and cost. */
export async function recordUsage(
  db: Db,
  context: UsageContext,
  call: TokenUsage & { model: string; costUsd: number },
): Promise<void> {
  await db.insert(usage).values({ ...context, ...call, costUsd: call.costUsd.toFixed(6) });
}
