import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import type { Config } from '../../config/read-config.js';
import { redisAuthProblem } from '../../redis/redis-auth-problem.js';
import { createRedis, type RedisTarget } from '../../redis/create-redis.js';
import { fail, hostOf, ok, reasonOf, warn, withDeadline, type DoctorLine } from './doctor-line.js';

const JOURNAL = new URL('../../../migrations/meta/_journal.json', import.meta.url);

/** Postgres (reachable, the migrations of this code applied) and Redis (reachable, keeping BullMQ's keys). */
export async function checkStorage(config: Config, timeoutMs: number): Promise<DoctorLine[]> {
  const [database, redis] = await Promise.all([checkPostgres(config.databaseUrl, timeoutMs), checkRedis(config, timeoutMs)]);
  return [...database, ...redis];
}

/**
 * Connects without creating anything (the app's own start-up creates the database; the doctor only looks), then
 * compares drizzle's record of applied migrations (`drizzle.__drizzle_migrations`, one row per migration with its
 * journal timestamp) with the migrations this code ships.
 */
async function checkPostgres(url: string, timeoutMs: number): Promise<DoctorLine[]> {
  const target = new URL(url);
  const where = `${hostOf(url)}, database ${decodeURIComponent(target.pathname.slice(1)) || '(default)'}`;
  const sql = postgres(url, { max: 1, connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)), onnotice: () => {} });
  try {
    let version: string;
    try {
      const [row] = await withDeadline(timeoutMs, () => sql<{ version: string }[]>`select current_setting('server_version') as version`);
      version = row!.version;
    } catch (error) {
      return [fail('Postgres', postgresProblem(error, where))];
    }
    const lines = [ok('Postgres', `${where} answers (PostgreSQL ${version})`)];
    try {
      lines.push(await migrationsLine(sql, timeoutMs));
    } catch (error) {
      lines.push(fail('Migrations', `could not read which are applied (${reasonOf(error)})`));
    }
    return lines;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

function postgresProblem(error: unknown, where: string): string {
  const code = (error as { code?: unknown })?.code;
  if (code === '3D000') return `${where} does not exist: run npm run migrate (it creates the database), or fix DATABASE_URL`;
  if (code === '28P01' || code === '28000') return `${where} refused the user or password in DATABASE_URL (${code})`;
  return `cannot reach ${where} (${reasonOf(error)}): is Postgres running, and does DATABASE_URL point at it?`;
}

async function migrationsLine(sql: postgres.Sql, timeoutMs: number): Promise<DoctorLine> {
  const journal = JSON.parse(await readFile(JOURNAL, 'utf8')) as { entries: { tag: string; when: number }[] };
  let applied: number | undefined;
  try {
    const [row] = await withDeadline(timeoutMs, () => sql<{ at: string }[]>`select max(created_at)::text as at from drizzle.__drizzle_migrations`);
    applied = row?.at ? Number(row.at) : undefined;
  } catch (error) {
    // 3F000: no drizzle schema, 42P01: no table: nothing was ever migrated here.
    const code = (error as { code?: unknown })?.code;
    if (code !== '3F000' && code !== '42P01') throw error;
  }
  const pending = journal.entries.filter((m) => applied === undefined || m.when > applied);
  const latest = journal.entries.at(-1);
  if (pending.length > 0) {
    return fail('Migrations', `${pending.length} of ${journal.entries.length} not applied (${pending.map((m) => m.tag).join(', ')}): run npm run migrate`);
  }
  if (latest && applied !== undefined && applied > latest.when) {
    return warn('Migrations', `the database has a migration newer than this code's (${latest.tag}): is an older Xiaoliu running against a newer schema?`);
  }
  return ok('Migrations', `all ${journal.entries.length} applied (latest ${latest?.tag ?? 'none'})`);
}

/**
 * One connection that fails rather than retries, so an unreachable Redis is reported, not waited for. Made as the app
 * makes its own (through the sentinels when REDIS_SENTINELS is set), so it reaches what the app would.
 */
async function checkRedis(target: RedisTarget, timeoutMs: number): Promise<DoctorLine[]> {
  const sentinel = target.redisSentinel;
  const where = sentinel
    ? `primary "${sentinel.name}" via sentinels ${sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}`
    : hostOf(target.redisUrl);
  const fix = sentinel
    ? 'are the sentinels running, do REDIS_SENTINELS and REDIS_SENTINEL_NAME match their `sentinel monitor` line, and does REDIS_URL hold the primary\'s password (REDIS_SENTINEL_PASSWORD the sentinels\')?'
    : 'is Redis running, and does REDIS_URL point at it (password included)?';
  const redis = createRedis(target, { probe: { timeoutMs } });
  let lastError: unknown;
  redis.on('error', (error) => void (lastError = error)); // reported below: the socket's error says more than the command's
  try {
    let info: string;
    try {
      info = await withDeadline(timeoutMs, async () => {
        await redis.connect();
        return redis.info();
      });
    } catch (error) {
      // Reached, but the credentials were refused: say which, not "cannot reach".
      const auth = redisAuthProblem(lastError ?? error);
      if (auth) return [fail('Redis', `${where} answers, but ${auth}`)];
      return [fail('Redis', `cannot reach ${where} (${reasonOf(lastError ?? error)}): ${fix}`)];
    }
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown version';
    const lines = [ok('Redis', `${where} answers (Redis ${version})`)];
    // Sentinel can only fail over to a replica the primary has: without one, a failover has nowhere to go.
    const replicas = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
    if (sentinel && replicas === 0) {
      lines.push(warn('Redis replicas', 'the primary has no replica connected: Sentinel has nothing to fail over to, and REDIS_REPLICA_WAIT_MS cannot be met (messages are acknowledged unconfirmed)'));
    }
    const policy = await withDeadline(timeoutMs, () => redis.config('GET', 'maxmemory-policy')).catch(() => undefined);
    const value = Array.isArray(policy) ? String(policy[1]) : undefined;
    // BullMQ's queues must never be evicted (https://docs.bullmq.io/guide/going-to-production#max-memory-policy).
    if (value && value !== 'noeviction') {
      lines.push(warn('Redis memory policy', `maxmemory-policy is ${value}; BullMQ needs noeviction, or queued questions can vanish: set it in the Redis configuration`));
    }
    return lines;
  } finally {
    redis.disconnect();
  }
}
