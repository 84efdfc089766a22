import type { Redis } from 'ioredis';
import { luaScript } from '../redis/lua-script.js';
import { sleep } from './sleep.js';

/**
 * One rate limit to stay within, shared by every process through Redis: at most one call per `intervalMs` on
 * average, with up to `burst` back to back when it has been idle. Build one with `perWindow` from a platform's
 * "N calls per window" figure.
 */
export interface RateBucket {
  /** Names the limit, with a {hash tag} so all buckets of one call share a Redis Cluster slot, e.g. `slack:{T1}:chat.update`. */
  key: string;
  intervalMs: number;
  burst: number;
}

/**
 * The bucket for "at most `limit` calls in any `windowMs`", allowing `burst` back to back. The interval leaves one
 * call of the window unused, so the few milliseconds between taking a slot and the request reaching the platform
 * can never put `limit + 1` calls in one of its windows.
 */
export function perWindow(key: string, limit: number, windowMs: number, burst: number): RateBucket {
  if (!(limit > burst && burst >= 1)) throw new Error(`rate bucket ${key}: need limit > burst >= 1 (got ${limit}, ${burst})`);
  return { key, intervalMs: windowMs / (limit - burst), burst };
}

/** A call that must happen could not get a slot in time: let the job fail and retry later than hold a worker. */
export class RateBudgetExhausted extends Error {
  constructor(
    readonly keys: string[],
    readonly waitMs: number,
  ) {
    super(`rate budget ${keys.join(' + ')} has no slot for ${Math.ceil(waitMs / 1000)} s`);
    this.name = 'RateBudgetExhausted';
  }
}

export interface RateBudgetOptions {
  /**
   * Multiplies every interval and longest wait; tests shrink a platform's minute to seconds (the fake platform shrinks
   * likewise).
   */
  timeScale?: number;
}

const TAKE_SLOT = luaScript<Taken>(new URL('./take-slot.lua', import.meta.url));
/** Slots a cosmetic call (a preview) must leave for calls that must happen, such as the final answer. */
const KEEP_FOR_MUST = 1;

/** { granted (1 or 0), ms to wait, 1-based indexes of the buckets to take once the wait is over } */
type Taken = [number, number, number[]];

/**
 * Rate limits shared by every process: each paced call takes a slot in Redis (one round trip, auto-pipelined with
 * the connection's other commands) before it goes out. A call that must happen waits for its slot; a cosmetic one
 * (a streaming preview) goes only when a slot is free now, and leaves one for the calls that must happen.
 */
export class RateBudget {
  private readonly scale: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: RateBudgetOptions = {},
  ) {
    this.scale = options.timeScale ?? 1;
    if (!(this.scale > 0)) throw new Error('RateBudget timeScale must be above 0');
  }

  /**
   * Waits until every bucket has a slot for this call, and takes them; throws RateBudgetExhausted past `maxWaitMs`.
   * A future slot is reserved only in the buckets the call waits for; the others are taken when it goes, so a busy
   * channel's queue never holds up the workspace's other channels (take-slot.lua).
   */
  async acquire(buckets: RateBucket[], maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + maxWaitMs * this.scale;
    for (;;) {
      const [granted, waitMs, left] = await this.take('wait', buckets, Math.max(0, deadline - performance.now()));
      if (!granted) throw new RateBudgetExhausted(buckets.map((b) => b.key), waitMs);
      if (waitMs > 0) await sleep(waitMs, signal);
      if (left.length === 0) return;
      // The call goes now: its other buckets must have a slot now. If another call took one meanwhile, queue again.
      const [now] = await this.take('wait', left.map((i) => buckets[i - 1]!), 0);
      if (now) return;
    }
  }

  /** Takes a slot in every bucket only if all have one free now (and one more to spare); false means skip the call. */
  async tryAcquire(buckets: RateBucket[]): Promise<boolean> {
    const [granted] = await this.take('try', buckets, 0);
    return granted === 1;
  }

  private take(mode: 'wait' | 'try', buckets: RateBucket[], maxWaitMs: number): Promise<Taken> {
    const keys = buckets.map((b) => `${this.prefix}:rate:${b.key}`);
    const shape = buckets.flatMap((b) => [b.intervalMs * this.scale, b.burst]);
    return TAKE_SLOT.run(this.redis, keys, [mode, Math.ceil(maxWaitMs), KEEP_FOR_MUST, ...shape]);
  }
}
