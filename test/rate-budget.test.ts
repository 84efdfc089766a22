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

  it('charges a bucket only when the call goes: calls queued in one lane do not hold up another lane', async () => {
    // Slack's chat.postMessage, at 1/10 time: a lane (a channel) frees a slot every 100 ms, the shared bucket (the
    // workspace) takes ten at once.
    const [budget] = budgets(1, 0.1);
    const shared = { key: 'test:{t}:workspace', intervalMs: 100, burst: 10 };
    const lane = (name: string) => ({ key: `test:{t}:lane-${name}`, intervalMs: 1000, burst: 1 });
    // Ten calls queue in lane A, the last 0.9 s from now (sent in this order on the one connection).
    const queued = Array.from({ length: 10 }, () => budget!.acquire([shared, lane('a')], 60_000));
    // A call in idle lane B gets its slot at once: a longest wait of 0 refuses any wait at all.
    await budget!.acquire([shared, lane('b')], 0);
    await Promise.all(queued);
  });

  it('a call that waited on one bucket takes the others when it goes, and goes no sooner than they free', async () => {
    const redis = createRedis(TEST_REDIS_URL);
    connections.push(redis);
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    const budget = new RateBudget(redis, prefix, { timeScale: 0.1 });
    const shared = { key: 'test:{t}:s', intervalMs: 1000, burst: 1 };
    const lane = { key: 'test:{t}:l', intervalMs: 5000, burst: 1 };
    await budget.acquire([shared], 0); // the shared bucket's next slot is 100 ms away
    const waiting = budget.acquire([shared, lane], 60_000); // waits for it…
    await budget.acquire([lane], 0); // …while another call takes the lane's slot: its next is 500 ms away
    const laneFreeAt = Number(await redis.get(`${prefix}:rate:${lane.key}`));
    await waiting;
    // The waiting call went only once the lane had a slot again (a lower bound, on Redis's own clock)…
    expect(await redisNow(redis)).toBeGreaterThanOrEqual(laneFreeAt);
    // …and took it: the lane's next slot is a whole interval later.
    expect(Number(await redis.get(`${prefix}:rate:${lane.key}`))).toBeGreaterThanOrEqual(laneFreeAt + 500);
  });

  it('turns "N per window" into an interval that leaves one call of the window unused', () => {
    expect(perWindow('k', 50, 60_000, 5)).toEqual({ key: 'k', intervalMs: 60_000 / 45, burst: 5 });
    expect(() => perWindow('k', 5, 1000, 5)).toThrow(/limit > burst/);
  });
});

/** Redis's clock, in ms: the one the budget's script reads. */
async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
