import type { Redis } from 'ioredis';

/**
 * Every key under a prefix with everything it holds, read whatever its type (strings, hashes, lists, sets, sorted sets,
 * streams): what a test searches for text that should be gone. SCAN, as an operator would, so nothing is missed
 * because the code under test did not know of a key.
 */
export async function redisContents(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1');
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      else continue; // expired between SCAN and TYPE
      contents.set(key, JSON.stringify(value));
    }
  } while (cursor !== '0');
  return contents;
}

/** The keys under `prefix` holding `text`. */
export async function keysHolding(redis: Redis, prefix: string, text: string): Promise<string[]> {
  return [...(await redisContents(redis, prefix))].filter(([, value]) => value.includes(text)).map(([key]) => key);
}
