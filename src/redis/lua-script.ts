import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * A Redis Lua script kept in a `.lua` file of its own, whose header lists its KEYS and ARGV. It runs on any
 * connection by its SHA (EVALSHA), sending its text (EVAL) only when Redis answers NOSCRIPT: the first call after
 * Redis started, or after a SCRIPT FLUSH. So a call costs one round trip, auto-pipelined with the connection's other
 * commands.
 *
 * Not ioredis's `defineCommand`: it adds a method to one connection, and the auto-pipeline (createRedis turns it on)
 * copies those methods into a pipeline when the pipeline is created, so a script first defined while a pipeline is
 * pending crashes inside ioredis ("results[i] is not iterable"). EVALSHA is an ordinary command and needs no setup.
 */
export interface LuaScript<Result> {
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<Result>;
}

/**
 * Loads the script at `file`, a URL relative to the calling module (`new URL('./x.lua', import.meta.url)`), so the
 * production build, which copies `.lua` files beside the compiled JavaScript, finds it the same way.
 */
export function luaScript<Result = unknown>(file: URL): LuaScript<Result> {
  const lua = readFileSync(file, 'utf8');
  const sha = createHash('sha1').update(lua).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return (await redis.evalsha(sha, keys.length, ...keys, ...args)) as Result;
      } catch (error) {
        if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error;
        return (await redis.eval(lua, keys.length, ...keys, ...args)) as Result;
      }
    },
  };
}
