import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateBudget, RateBudgetExhausted, perWindow } from '../src/rate/rate-budget.js';
import { createRedis } from '../src/redis/create-redis.js';
import { TEST_REDIS_URL } from './support/test-app.js';

/** The shared rate budget (src/rate/) on the real Redis, each "process" with a connection of its own. */
describe('RateBudget', () => {
  const connections: Redis[] = [];
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit()));
  });
  /** `count` budgets over one key prefix, as `count` workers would hold them. */
  const budgets = (count: number, timeScale = 1) => {
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    return Array.from({ length: count }, () => {
      const redis = createRedis(TEST_REDIS_URL);
      connections.push(redis);
      return new RateBudget(redis, prefix, { timeScale });
    });
  };
  // Three back to back, then one a minute: nothing frees up while a test runs.
  const slow = (key: string) => ({ key: `test:{t}:${key}`, intervalMs: 60_000, burst: 3 });

  it('is one budget for every process: previews use what is free, leaving the last slot to a call that must happen', async () => {
    const [a, b] = budgets(2);
    const bucket = slow('shared');
    expect(await a!.tryAcquire([bucket])).toBe(true);
    expect(await b!.tryAcquire([bucket])).toBe(true);
    // One slot left: a preview may not have it…
    expect(await a!.tryAcquire([bucket])).toBe(false);
    // …a call that must happen takes it at once…
    await b!.acquire([bucket], 0);
    // …and the next one would wait a minute: past its longest wait it is refused, and takes nothing.
    await expect(a!.acquire([bucket], 1_000)).rejects.toBeInstanceOf(RateBudgetExhausted);
    await expect(b!.acquire([bucket], 1_000)).rejects.toThrow(/test:\{t\}:shared has no slot for 60 s/);
  });

  it('takes a slot in every bucket of a call, or in none', async () => {
    const [budget] = budgets(1);
    const free = slow('free');
    const full = slow('full');
    for (let i = 0; i < 3; i++) await budget!.acquire([full], 0);
    expect(await budget!.tryAcquire([free, full])).toBe(false);
    await expect(budget!.acquire([free, full], 1_000)).rejects.toBeInstanceOf(RateBudgetExhausted);
    // The free bucket gave nothing to the refused calls: all three of its slots are still there.
    for (let i = 0; i < 3; i++) await budget!.acquire([free], 0);
    await expect(budget!.acquire([free], 0)).rejects.toBeInstanceOf(RateBudgetExhausted);
  });

  it('makes a call that must happen wait for the next slot, at the time scale it was given', async () => {
    // At 1/1000 a minute's interval is 60 ms, and a longest wait of 60 s is 60 ms.
    const [budget] = budgets(1, 0.001);
    const bucket = slow('scaled');
    for (let i = 0; i < 3; i++) await budget!.acquire([bucket], 0);
    await budget!.acquire([bucket], 60_000);
    await expect(budget!.acquire([bucket], 1_000)).rejects.toBeInstanceOf(RateBudgetExhausted);
  });

  it('turns "N per window" into an interval that leaves one call of the window unused', () => {
    expect(perWindow('k', 50, 60_000, 5)).toEqual({ key: 'k', intervalMs: 60_000 / 45, burst: 5 });
    expect(() => perWindow('k', 5, 1000, 5)).toThrow(/limit > burst/);
  });
});
