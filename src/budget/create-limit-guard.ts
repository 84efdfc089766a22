import type { Redis } from 'ioredis';
import type { Config, DailyLimit } from '../config/read-config.js';
import { luaScript } from '../redis/lua-script.js';
import { UserFacingError } from '../domain/errors.js';
import type { CommandContext, LimitGuard } from '../commands/command.js';
import type { Sql } from '../store/database.js';
import { usageToday } from '../store/usage.js';

type Scope = 'user' | 'channel' | 'workspace';

const WHO: Record<Scope, { subject: string; per: string }> = {
  user: { subject: 'You have', per: 'per person' },
  channel: { subject: 'This channel has', per: 'for this channel' },
  workspace: { subject: 'This workspace has', per: 'for this workspace' },
};

/** The per-minute windows of every limited scope, checked and counted in one step (see the script's header). */
const SLIDING_WINDOW = luaScript<[number, number]>(new URL('./sliding-window.lua', import.meta.url));

const MINUTE_MS = 60_000;

/**
 * Budgets and rate limits, checked before every model call. Daily limits (money or tokens, per user, channel and
 * workspace) are summed from the usage table, so they hold across workers and restarts; per-minute request limits
 * live in Redis. A refusal is a UserFacingError naming the limit and when it resets.
 */
export function createLimitGuard(deps: { sql: Sql; redis: Redis; prefix: string; config: Config }): LimitGuard {
  const { limits } = deps.config.controls;
  return {
    async check(context: CommandContext) {
      await checkDaily(context, deps.sql, limits);
      await checkPerMinute(context, deps, limits);
    },
  };
}

async function checkDaily(context: CommandContext, sql: Sql, limits: Config['controls']['limits']): Promise<void> {
  const channelLimit = withChannelBudget(limits.channelDaily, context.settings.dailyBudgetUsd);
  const daily: [Scope, DailyLimit | undefined][] = [
    ['user', limits.userDaily],
    ['channel', channelLimit],
    ['workspace', limits.workspaceDaily],
  ];
  if (!daily.some(([, limit]) => limit)) return;
  const { message } = context;
  const used = await usageToday(sql, message.platform, message.address, message.author.id);
  for (const [scope, limit] of daily) {
    if (!limit) continue;
    const spent = used[scope];
    const resets = `It resets at 00:00 UTC, in ${formatWait(msUntilUtcMidnight())}.`;
    if (limit.usd !== undefined && spent.usd >= limit.usd) {
      context.log.info({ scope, limitUsd: limit.usd, spentUsd: spent.usd }, 'request refused: daily budget reached');
      throw new UserFacingError(`${WHO[scope].subject} reached the daily budget of $${limit.usd.toFixed(2)} ${WHO[scope].per} ($${spent.usd.toFixed(2)} used today). ${resets}`);
    }
    if (limit.tokens !== undefined && spent.tokens >= limit.tokens) {
      context.log.info({ scope, limitTokens: limit.tokens, spentTokens: spent.tokens }, 'request refused: daily token limit reached');
      throw new UserFacingError(`${WHO[scope].subject} reached the daily limit of ${limit.tokens.toLocaleString('en-US')} tokens ${WHO[scope].per} (${spent.tokens.toLocaleString('en-US')} used today). ${resets}`);
    }
  }
}

async function checkPerMinute(
  context: CommandContext,
  deps: { redis: Redis; prefix: string },
  limits: Config['controls']['limits'],
): Promise<void> {
  const { message } = context;
  const { platform, address, author } = message;
  const scopes: [Scope, number | undefined, string][] = [
    // A person's window is theirs in this workspace: another tenant's traffic never counts against them.
    ['user', limits.userPerMinute, `${platform}:${address.workspaceId}:${author.id}`],
    ['channel', limits.channelPerMinute, `${platform}:${address.workspaceId}:${address.channelId}`],
    ['workspace', limits.workspacePerMinute, `${platform}:${address.workspaceId}`],
  ];
  const limited = scopes.filter(([, limit]) => limit !== undefined) as [Scope, number, string][];
  if (limited.length === 0) return;
  const keys = limited.map(([scope, , id]) => `${deps.prefix}:rate:${scope}:${id}`);
  const [index, waitMs] = await SLIDING_WINDOW.run(deps.redis, keys, [Date.now(), MINUTE_MS, message.id, ...limited.map(([, limit]) => limit)]);
  if (index === 0) return;
  const [scope, limit] = limited[index - 1]!;
  context.log.info({ scope, limitPerMinute: limit }, 'request refused: per-minute limit reached');
  throw new UserFacingError(
    `Too many requests: the limit is ${limit} per minute ${WHO[scope].per}. Try again in ${formatWait(Math.max(1000, waitMs))}.`,
  );
}

/** A channel's own budget, set by its admins, tightens the deployment-wide one; it never loosens it. */
function withChannelBudget(limit: DailyLimit | undefined, channelUsd: number | null): DailyLimit | undefined {
  if (channelUsd === null) return limit;
  return { ...limit, usd: Math.min(channelUsd, limit?.usd ?? Infinity) };
}

function msUntilUtcMidnight(now = new Date()): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime();
}

/** "23 s", "4 min", "3 h 12 min". */
export function formatWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
