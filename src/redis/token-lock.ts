import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';

/*
 * A lock in Redis that only its holder can renew or release: it holds a token only the holder knows, and expires on
 * its own, so a holder that crashed blocks nobody for longer than its lifetime. Releasing or renewing compares the
 * token and acts in one script, since a separate GET then DEL could delete a lock that expired in between and was
 * taken by someone else.
 */

const RELEASE = luaScript<number>(new URL('./release-lock.lua', import.meta.url));
const RENEW = luaScript<number>(new URL('./renew-lock.lua', import.meta.url));

/** Takes the lock for `ttlMs` if it is free; returns the token that renews and releases it, or undefined if taken. */
export async function takeLock(redis: Redis, key: string, ttlMs: number): Promise<string | undefined> {
  const token = randomUUID();
  return (await redis.set(key, token, 'PX', ttlMs, 'NX')) ? token : undefined;
}

/** Extends the lock to `ttlMs` from now while `token` still holds it; false when it does not. */
export async function renewLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  return (await RENEW.run(redis, [key], [token, ttlMs])) === 1;
}

/** Releases the lock if `token` still holds it; false when it had expired or someone else holds it. */
export async function releaseLock(redis: Redis, key: string, token: string): Promise<boolean> {
  return (await RELEASE.run(redis, [key], [token])) === 1;
}
