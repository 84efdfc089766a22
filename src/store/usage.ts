import type { TokenUsage } from '../claude/price-table.js';
import type { Sql } from './database.js';

/** Who and where a model call was for; usage is kept per user, channel and workspace for budgets. */
export interface UsageRecord extends TokenUsage {
  deliveryId: string;
  conversationId: number;
  platform: string;
  workspaceId: string;
  channelId: string;
  userId: string;
  model: string;
  costUsd: number;
  /** Of the input, what attached files were estimated to take. */
  attachmentTokens?: number;
}

/**
 * Records what one model call attempt cost (every attempt, answered or not: src/turn/metered-chat.ts). Kept without
 * message text, so it outlives data retention.
 */
export async function recordUsage(sql: Sql, u: UsageRecord): Promise<void> {
  await sql`
    insert into usage (delivery_id, conversation_id, platform, workspace_id, channel_id, user_id, model,
      input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, attachment_tokens, web_searches, web_fetches, cost_usd)
    values (${u.deliveryId}, ${u.conversationId}, ${u.platform}, ${u.workspaceId}, ${u.channelId}, ${u.userId},
      ${u.model}, ${u.inputTokens}, ${u.outputTokens}, ${u.cacheWriteTokens}, ${u.cacheReadTokens}, ${u.attachmentTokens ?? 0},
      ${u.webSearches ?? 0}, ${u.webFetches ?? 0}, ${u.costUsd.toFixed(6)})`;
}

/** Who a model call was made for: the delivery and the person, channel and workspace it is charged to. */
export type Caller = Omit<UsageRecord, keyof TokenUsage | 'model' | 'costUsd' | 'attachmentTokens'>;

/** Money and tokens spent since 00:00 UTC. */
export interface Spent {
  usd: number;
  tokens: number;
}

/**
 * Today's spending of a user, of their channel and of their workspace, in one round trip (each sum uses its own
 * index), for the budgets checked before every model call. A user's spending is theirs in this workspace: what the
 * same person spends in another Slack workspace or Discord server is that tenant's, and never counts here.
 */
export async function usageToday(
  sql: Sql,
  platform: string,
  address: { workspaceId: string; channelId: string },
  userId: string,
): Promise<Record<'user' | 'channel' | 'workspace', Spent>> {
  const [row] = await sql<Record<'user' | 'channel' | 'workspace', { usd: number | string; tokens: number | string }>[]>`
    with today as (select date_trunc('day', now() at time zone 'utc') at time zone 'utc' as start)
    select
      (select json_build_object('usd', coalesce(sum(cost_usd), 0), 'tokens', coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0)) from usage, today
        where platform = ${platform} and user_id = ${userId} and workspace_id = ${address.workspaceId}
          and created_at >= today.start) as user,
      (select json_build_object('usd', coalesce(sum(cost_usd), 0), 'tokens', coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0)) from usage, today
        where platform = ${platform} and workspace_id = ${address.workspaceId} and channel_id = ${address.channelId}
          and created_at >= today.start) as channel,
      (select json_build_object('usd', coalesce(sum(cost_usd), 0), 'tokens', coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0)) from usage, today
        where platform = ${platform} and workspace_id = ${address.workspaceId} and created_at >= today.start) as workspace`;
  // json_build_object hands numerics back as JSON numbers, sums of integers as numbers too: no string parsing.
  const spent = (v: { usd: number | string; tokens: number | string }): Spent => ({ usd: Number(v.usd), tokens: Number(v.tokens) });
  return { user: spent(row!.user), channel: spent(row!.channel), workspace: spent(row!.workspace) };
}

/** Whose usage a report covers. */
export type UsageScope = { kind: 'user'; userId: string } | { kind: 'channel'; channelId: string } | { kind: 'workspace' };

/** Spending by UTC day (oldest first, every day present) and the biggest spenders, for `usage`. */
export interface UsageReport {
  days: { day: string; usd: number; tokens: number; calls: number; fileTokens: number }[];
  topUsers: { userId: string; usd: number; calls: number }[];
}

export async function usageReport(sql: Sql, platform: string, workspaceId: string, scope: UsageScope, days = 14): Promise<UsageReport> {
  const userId = scope.kind === 'user' ? scope.userId : null;
  const channelId = scope.kind === 'channel' ? scope.channelId : null;
  const filter = sql`platform = ${platform} and workspace_id = ${workspaceId}
    and (${userId}::text is null or user_id = ${userId}) and (${channelId}::text is null or channel_id = ${channelId})
    and created_at >= (date_trunc('day', now() at time zone 'utc') - make_interval(days => ${days - 1})) at time zone 'utc'`;
  const byDay = await sql<{ day: string; usd: string; tokens: string; calls: string; fileTokens: string }[]>`
    select d.day::date::text as day, coalesce(sum(u.cost_usd), 0)::text as usd,
      coalesce(sum(u.input_tokens + u.output_tokens + u.cache_write_tokens + u.cache_read_tokens), 0)::text as tokens,
      count(u.*)::text as calls, coalesce(sum(u.attachment_tokens), 0)::text as "fileTokens"
    from generate_series(date_trunc('day', now() at time zone 'utc') - make_interval(days => ${days - 1}),
      date_trunc('day', now() at time zone 'utc'), interval '1 day') as d(day)
    left join usage u on (u.created_at at time zone 'utc')::date = d.day::date and ${filter}
    group by d.day order by d.day`;
  const top = await sql<{ userId: string; usd: string; calls: string }[]>`
    select user_id as "userId", sum(cost_usd)::text as usd, count(*)::text as calls from usage
    where ${filter} group by user_id order by sum(cost_usd) desc limit 5`;
  return {
    days: byDay.map((d) => ({ day: d.day, usd: Number(d.usd), tokens: Number(d.tokens), calls: Number(d.calls), fileTokens: Number(d.fileTokens) })),
    topUsers: top.map((t) => ({ userId: t.userId, usd: Number(t.usd), calls: Number(t.calls) })),
  };
}
