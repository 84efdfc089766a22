import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../src/redis/create-redis.js';
import { luaScript } from '../src/redis/lua-script.js';
import { releaseLock, renewLock, takeLock } from '../src/redis/token-lock.js';
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from './support/redis-server.js';

// Redis Lua scripts: each in a .lua file of its own whose header says what KEYS and ARGV it takes, all run through
// one loader (src/redis/lua-script.ts), and one token-guarded lock (src/redis/token-lock.ts).

const ROOTS = ['src', 'adapters'];
const filesUnder = (root: string) =>
  readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));

describe('Lua scripts', () => {
  it('live in .lua files whose header lists the KEYS and ARGV they use; no TypeScript file holds Lua', () => {
    const scripts = ROOTS.flatMap(filesUnder).filter((file) => file.endsWith('.lua'));
    expect(scripts.length).toBeGreaterThanOrEqual(8);
    for (const file of scripts) {
      const text = readFileSync(file, 'utf8');
      const header = text.split('\n').filter((line) => line.startsWith('--')).join('\n');
      const body = text.split('\n').filter((line) => !line.startsWith('--')).join('\n');
      expect(header, `${file} starts with a comment saying what it does`).toMatch(/^-- \S/);
      if (/KEYS\b/.test(body)) expect(header, `${file} header lists KEYS`).toMatch(/KEYS\[/);
      for (const [used] of body.matchAll(/ARGV\[\d+\]/g)) expect(header, `${file} header lists ${used}`).toContain(used);
      for (const [used] of body.matchAll(/KEYS\[\d+\]/g)) expect(header, `${file} header lists ${used}`).toContain(used);
    }
    const inline = ROOTS.flatMap(filesUnder).filter((file) => file.endsWith('.ts') && /redis\.call\(|\.eval\(|\.evalsha\(/.test(readFileSync(file, 'utf8')));
    expect(inline).toEqual(['src/redis/lua-script.ts']);
  });

  describe.runIf(hasRedisServer)('on a Redis of their own', () => {
    let server: PrivateRedis;
    let redis: ReturnType<typeof createRedis>;
    const releaseScript = luaScript<string[]>(new URL('../src/redis/release-lock.lua', import.meta.url));
    beforeAll(async () => {
      server = await startPrivateRedis();
      redis = createRedis(server.url);
    });
    afterAll(async () => {
      await redis?.quit();
      await server?.close();
    });

    it('run on a fresh connection in the same tick as other commands (the auto-pipeline), and after SCRIPT FLUSH', async () => {
      const fresh = createRedis(server.url);
      try {
        const key = `lock-${randomBytes(4).toString('hex')}`;
        await fresh.set(key, 'token-a');
        // Several commands queued in one tick share one pipeline: a script among them must still run.
        const [value, released, missing] = await Promise.all([fresh.get(key), releaseScript.run(fresh, [key], ['token-a']), fresh.get('nothing')]);
        expect([value, released, missing]).toEqual(['token-a', 1, null]);
        // Redis forgets every script (as after a restart): the next call sends the text again.
        await fresh.script('FLUSH');
        await fresh.set(key, 'token-b');
        expect(await releaseScript.run(fresh, [key], ['token-b'])).toBe(1);
      } finally {
        await fresh.quit();
      }
    });

    it('lock: only the holder renews or releases it; it is free again once released or expired', async () => {
      const key = `lock-${randomBytes(4).toString('hex')}`;
      const token = await takeLock(redis, key, 10_000);
      expect(token).toBeTypeOf('string');
      expect(await takeLock(redis, key, 10_000)).toBeUndefined();
      // Someone whose lock expired and was taken over must not release or extend the new holder's.
      expect(await releaseLock(redis, key, 'an-old-token')).toBe(false);
      expect(await renewLock(redis, key, 'an-old-token', 60_000)).toBe(false);
      expect(await redis.pttl(key)).toBeLessThanOrEqual(10_000);
      expect(await renewLock(redis, key, token!, 60_000)).toBe(true);
      expect(await redis.pttl(key)).toBeGreaterThan(10_000);
      expect(await releaseLock(redis, key, token!)).toBe(true);
      expect(await releaseLock(redis, key, token!)).toBe(false);
      expect(await takeLock(redis, key, 50)).toBeTypeOf('string');
      await new Promise((resolve) => setTimeout(resolve, 100)); // its lifetime, not a timing assertion
      expect(await takeLock(redis, key, 10_000)).toBeTypeOf('string');
    });
  });
});
