import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config, DailyLimit } from '../config/read-config.js';
import { luaScript } from '../redis/lua-script.js';
import { FinalError, UserFacingError } from '../domain/errors.js';
import type { CommandContext, LimitGuard, Payer, Reservation } from '../commands/command.js';
import type { Logger } from '../log/create-logger.js';
import type { Sql } from '../store/database.js';
import { usageToday, type Spent } from '../store/usage.js';

type Scope = 'user' | 'channel' | 'workspace';

const WHO: Record<Scope, { subject: string; per: string; possessive: string }> = {
  user: { subject: 'You have', per: 'per person', possessive: 'your' },
  channel: { subject: 'This channel has', per: 'for this channel', possessive: "this channel's" },
  workspace: { subject: 'This workspace has', per: 'for this workspace', possessive: "this workspace's" },
};

/** The per-minute windows of every limited scope, checked and counted in one step (see the script's header). */
const SLIDING_WINDOW = luaScript<[number, number]>(new URL('./sliding-window.lua', import.meta.url));
/** Holds a call's worst case in every limited scope, returning what the others in flight hold (see its header). */
const RESERVE = luaScript<number[]>(new URL('./reserve-budget.lua', import.meta.url));

const MINUTE_MS = 60_000;
/**
 * How long a reservation holds without renewal: a live call renews it every RENEW_MS, so only a dead worker's lapses,
 * and the budget it held is free again this long after the worker died.
 */
export const RESERVATION_TTL_MS = 5 * 60_000;
const RENEW_MS = 60_000;

/** Nothing to hold (a check only). */
const NOTHING = (): Spent => ({ usd: 0, tokens: 0 });

/**
 * Budgets and rate limits. Daily limits (money or tokens, per user, channel and workspace) hold across workers and
 * restarts: before each model call (each attempt) its worst case is reserved in Redis, where every worker sees it,
 * and the call goes ahead only while today's recorded spending (Postgres) plus what the calls in flight hold leaves
 * something of the limit; after the call its actual cost is recorded and the reservation dropped. Per-minute request
 * limits live in Redis. A refusal is a UserFacingError naming the limit and when it resets.
 */
export function createLimitGuard(deps: { sql: Sql; redis: Redis; prefix: string; config: Config }): LimitGuard {
  const { limits } = deps.config.controls;
  return {
    async check(context: CommandContext) {
      await checkPerMinute(context, deps, limits);
      await (await reserveDaily(deps, limits, payerOf(context), NOTHING, context.log)).release();
    },
    checkRate: (context) => checkPerMinute(context, deps, limits),
    reserve: (payer, worst, log) => reserveDaily(deps, limits, payer, worst, log),
  };
}

/** Whom a command's model calls are charged to: the asker, in their channel, under its budget. */
export function payerOf(context: CommandContext): Payer {
  const { message, settings } = context;
  return {
    platform: message.platform,
    workspaceId: message.address.workspaceId,
    channelId: message.address.channelId,
    userId: message.author.id,
    channelBudgetUsd: settings.dailyBudgetUsd,
  };
}

async function reserveDaily(
  deps: { sql: Sql; redis: Redis; prefix: string },
  limits: Config['controls']['limits'],
  payer: Payer,
  worstCase: () => Spent,
  log: Logger,
): Promise<Reservation> {
  const { platform, workspaceId, channelId, userId } = payer;
  // The same scopes as usageToday's sums.
  const scopes: [Scope, DailyLimit | undefined, string][] = [
    ['user', limits.userDaily, `${platform}:${workspaceId}:${userId}`],
    ['channel', withChannelBudget(limits.channelDaily, payer.channelBudgetUsd), `${platform}:${workspaceId}:${channelId}`],
    ['workspace', limits.workspaceDaily, `${platform}:${workspaceId}`],
  ];
  const limited = scopes.filter(([, limit]) => limit) as [Scope, DailyLimit, string][];
  if (limited.length === 0) return { release: async () => {}, lapse: () => {} };
  const keys = limited.map(([scope, , id]) => `${deps.prefix}:budget:held:${scope}:${id}`);
  const id = randomUUID();
  const worst = worstCase();
  const args = [id, Math.ceil(worst.usd * 1_000_000), Math.ceil(worst.tokens)];
  // Reserved first, then the recorded spending read: a call that finished in between is then either still held
  // (it drops its reservation only after recording) or already in the sum, never in neither.
  const held = await RESERVE.run(deps.redis, keys, [Date.now(), RESERVATION_TTL_MS, ...args]);
  // Never throws: the call's cost is recorded by now, and a hold that cannot be dropped lapses by itself.
  const release = async () => {
    clearInterval(renew);
    await Promise.all(keys.map((key) => deps.redis.hdel(key, id))).catch((error: unknown) =>
      log.warn({ err: error }, 'could not drop a budget reservation; it lapses within 5 minutes'),
    );
  };
  // A live call keeps its hold; only a dead worker's lapses.
  const renew = setInterval(() => {
    RESERVE.run(deps.redis, keys, [Date.now(), RESERVATION_TTL_MS, ...args]).catch((error: unknown) => log.warn({ err: error }, 'could not renew a budget reservation'));
  }, RENEW_MS);
  renew.unref();
  try {
    const used = await usageToday(deps.sql, platform, { workspaceId, channelId }, userId);
    limited.forEach(([scope, limit], i) => {
      const others: Spent = { usd: held[2 * i]! / 1_000_000, tokens: held[2 * i + 1]! };
      refuseOver(scope, limit, used[scope], others, log);
    });
  } catch (error) {
    await release();
    throw error;
  }
  return { release, lapse: () => clearInterval(renew) };
}

/**
 * Refuses when nothing of a limit is left: spent today, plus what the calls still in flight hold. A call is let through
 * while something is left, holding its worst case, so recorded spending passes a limit by at most the one call that
 * found less than its worst case left (README, Budgets).
 */
function refuseOver(scope: Scope, limit: DailyLimit, spent: Spent, held: Spent, log: Logger): void {
  const resets = `It resets at 00:00 UTC, in ${formatWait(msUntilUtcMidnight())}.`;
  const busy = `The rest of ${WHO[scope].possessive} daily budget is held by answers still being written; try again when they are done.`;
  if (limit.usd !== undefined && spent.usd + held.usd >= limit.usd) {
    log.info({ scope, limitUsd: limit.usd, spentUsd: spent.usd, heldUsd: held.usd }, 'request refused: daily budget reached');
    if (spent.usd < limit.usd) throw new FinalError(`${busy} (Daily budget $${limit.usd.toFixed(2)} ${WHO[scope].per}, $${spent.usd.toFixed(2)} used today.)`);
    throw new FinalError(`${WHO[scope].subject} reached the daily budget of $${limit.usd.toFixed(2)} ${WHO[scope].per} ($${spent.usd.toFixed(2)} used today). ${resets}`);
  }
  if (limit.tokens !== undefined && spent.tokens + held.tokens >= limit.tokens) {
    log.info({ scope, limitTokens: limit.tokens, spentTokens: spent.tokens, heldTokens: held.tokens }, 'request refused: daily token limit reached');
    if (spent.tokens < limit.tokens) throw new FinalError(`${busy} (Daily limit ${limit.tokens.toLocaleString('en-US')} tokens ${WHO[scope].per}, ${spent.tokens.toLocaleString('en-US')} used today.)`);
    throw new FinalError(`${WHO[scope].subject} reached the daily limit of ${limit.tokens.toLocaleString('en-US')} tokens ${WHO[scope].per} (${spent.tokens.toLocaleString('en-US')} used today). ${resets}`);
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
