import type { Redis } from 'ioredis';
import type { Sql } from '../../src/store/database.js';

/** The canaries (by name) that occur in `text`, each with a little context so a failure shows where. */
export function canariesIn(text: string, canaries: Record<string, string>, where: string): string[] {
  const hits: string[] = [];
  for (const [name, value] of Object.entries(canaries)) {
    let at = text.indexOf(value);
    while (at >= 0) {
      hits.push(`${name} in ${where}: …${text.slice(Math.max(0, at - 80), at + value.length + 40)}…`);
      at = text.indexOf(value, at + 1);
    }
  }
  return hits;
}

/**
 * Every value stored under `prefix` in Redis, as text: job hashes (data, failedReason, stacktrace, returnvalue…),
 * event streams, lists, sets and plain keys, so a secret that reaches any of them is found.
 */
export async function redisContents(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'string') value = await redis.get(key);
      else if (type === 'list') value = await redis.lrange(key, '0', '-1');
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1');
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      out.push(`${key} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return out.join('\n');
}

/** Every row of every table of the database, as text. */
export async function databaseContents(sql: Sql): Promise<string> {
  const tables = await sql<{ name: string }[]>`select tablename as name from pg_tables where schemaname = 'public'`;
  const out: string[] = [];
  for (const { name } of tables) {
    const rows = await sql.unsafe(`select t::text as row from "${name}" t`);
    for (const row of rows) out.push(`${name} ${String(row.row)}`);
  }
  return out.join('\n');
}
