import type { Sql } from './database.js';
import type { UsageScope } from './usage.js';

/** One group's spending over the period, and today's (UTC) for the budgets. */
export interface UsageGroup {
  key: string;
  usd: number;
  tokens: number;
  calls: number;
  todayUsd: number;
}

/** Spending by person, channel and model: the console's charts beside `usageReport`'s days. Biggest first. */
export interface UsageBreakdown {
  byUser: UsageGroup[];
  byChannel: UsageGroup[];
  byModel: UsageGroup[];
}

/**
 * One pass over the workspace's usage rows of the period (the same window as `usageReport`), grouped three ways with
 * grouping sets. Scoped to one workspace of one platform, and to one person for a member's own page.
 */
export async function usageBreakdown(sql: Sql, platform: string, workspaceId: string, scope: UsageScope, days = 14): Promise<UsageBreakdown> {
  const userId = scope.kind === 'user' ? scope.userId : null;
  const channelId = scope.kind === 'channel' ? scope.channelId : null;
  const rows = await sql<{ userId: string | null; channelId: string | null; model: string | null; usd: string; tokens: string; calls: string; todayUsd: string }[]>`
    select user_id as "userId", channel_id as "channelId", model, sum(cost_usd)::text as usd,
      sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::text as tokens, count(*)::text as calls,
      coalesce(sum(cost_usd) filter (where created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'), 0)::text as "todayUsd"
    from usage
    where platform = ${platform} and workspace_id = ${workspaceId}
      and (${userId}::text is null or user_id = ${userId}) and (${channelId}::text is null or channel_id = ${channelId})
      and created_at >= (date_trunc('day', now() at time zone 'utc') - make_interval(days => ${days - 1})) at time zone 'utc'
    group by grouping sets ((user_id), (channel_id), (model))`;
  const group = (pick: (r: (typeof rows)[number]) => string | null): UsageGroup[] =>
    rows
      .filter((r) => pick(r) !== null)
      .map((r) => ({ key: pick(r)!, usd: Number(r.usd), tokens: Number(r.tokens), calls: Number(r.calls), todayUsd: Number(r.todayUsd) }))
      .sort((a, b) => b.usd - a.usd || a.key.localeCompare(b.key));
  return { byUser: group((r) => r.userId), byChannel: group((r) => r.channelId), byModel: group((r) => r.model) };
}
