import type { Redis } from 'ioredis';
import type { Logger } from '../log/create-logger.js';
import { RateBudget, RateBudgetExhausted } from '../rate/rate-budget.js';
import { sleep } from '../rate/sleep.js';
import { luaScript } from '../redis/lua-script.js';

const EXTEND_PAUSE = luaScript<number>(new URL('./extend-pause.lua', import.meta.url));
/** How long a process trusts the pause it last read before asking Redis again: a few reads a second at most. */
const PAUSE_RECHECK_MS = 200;
/** How long a process trusts the requests limit it knows before reading the one another process learned. */
const LIMIT_RECHECK_MS = 30_000;
/** Waiters leave a pause spread over this much, so they do not all hit the API in the same millisecond. */
const RELEASE_SPREAD_MS = 250;
/**
 * The share of the organisation's requests limit Xiaoliu paces itself to: the same organisation's other keys and
 * apps draw on the same bucket, and what is left over is caught by the 429 pause.
 */
const SHARE = 0.9;
/** How long one wait for a request slot may last before it is asked for again (the call is never given up). */
const SLOT_WAIT_MS = 60_000;

/**
 * The Anthropic organisation's rate limits, shared by every worker through Redis
 * (https://platform.claude.com/docs/en/api/rate-limits):
 * - the requests-per-minute limit is read from each response's `anthropic-ratelimit-requests-limit` header and every
 *   call takes a slot of a shared bucket paced to it (the API's own limiter is a token bucket whose capacity is the
 *   whole limit, so the shared one is too);
 * - a 429 pauses every worker's calls for its `retry-after` (the token limits, which are not paced, and anything else
 *   drawing on the organisation's limits end up here);
 * - `anthropic-ratelimit-requests-remaining: 0` pauses them for the time one request takes to come back.
 */
export class OrgRateLimit {
  private readonly budget: RateBudget;
  private readonly pauseKey: string;
  private readonly limitKey: string;
  private requestsPerMinute: number | undefined;
  private limitReadAt = -Infinity;
  private limitRead: Promise<void> | undefined;
  private pauseUntil = 0;
  private pauseReadAt = -Infinity;
  private pauseRead: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly log: Logger,
  ) {
    this.budget = new RateBudget(redis, prefix);
    // One {hash tag} for the organisation: the keys of one limit share a Redis Cluster slot.
    this.pauseKey = `${prefix}:anthropic:{org}:pause`;
    this.limitKey = `${prefix}:anthropic:{org}:requests-limit`;
  }

  /**
   * Waits until a call may go: past any pause every worker shares, then for a slot of the requests limit. Redis out
   * of reach does not stop the call: it goes unpaced, and a 429 is still retried as before.
   */
  async beforeCall(signal?: AbortSignal): Promise<void> {
    try {
      await this.waitForTurn(signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      this.log.debug({ err: error }, 'could not read the shared Anthropic rate limits; calling unpaced');
    }
  }

  private async waitForTurn(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const pausedMs = await this.pausedFor();
      if (pausedMs <= 0) break;
      await sleep(pausedMs + Math.random() * RELEASE_SPREAD_MS, signal);
    }
    const limit = await this.limit();
    if (!limit) return;
    const bucket = { key: 'anthropic:{org}:requests', intervalMs: 60_000 / (limit * SHARE), burst: Math.max(1, Math.floor(limit * SHARE)) };
    for (;;) {
      try {
        return await this.budget.acquire([bucket], SLOT_WAIT_MS, signal);
      } catch (error) {
        if (!(error instanceof RateBudgetExhausted)) throw error;
        this.log.warn({ requestsPerMinute: limit }, 'calls wait over a minute for the Anthropic requests limit: ask Anthropic for a higher tier, or expect slow answers');
      }
    }
  }

  /** Reads the limits a response reports. */
  learn(headers: Headers): void {
    const limit = Number(headers.get('anthropic-ratelimit-requests-limit'));
    if (Number.isFinite(limit) && limit > 0 && limit !== this.requestsPerMinute) {
      this.requestsPerMinute = limit;
      this.limitReadAt = performance.now();
      this.redis.set(this.limitKey, String(limit), 'EX', 3600).catch(() => {});
    }
    if (headers.get('anthropic-ratelimit-requests-remaining') === '0' && this.requestsPerMinute) {
      // The bucket is empty: one request comes back every minute / limit.
      void this.pause(Math.ceil(60_000 / this.requestsPerMinute)).catch(() => {});
    }
  }

  /** A 429: every worker waits at least `ms` before its next call (this one, at least, if Redis is out of reach). */
  async pause(ms: number): Promise<void> {
    this.pauseUntil = Math.max(this.pauseUntil, performance.now() + ms);
    const now = await EXTEND_PAUSE.run(this.redis, [this.pauseKey], [Math.max(1, Math.ceil(ms))]).catch(() => ms);
    this.pauseUntil = Math.max(this.pauseUntil, performance.now() + now);
    this.pauseReadAt = performance.now();
  }

  private async pausedFor(): Promise<number> {
    if (performance.now() - this.pauseReadAt >= PAUSE_RECHECK_MS) {
      this.pauseReadAt = performance.now();
      // As for the limit: calls that come while the read is out wait for its answer.
      this.pauseRead = this.redis.pttl(this.pauseKey).then((ttl) => {
        this.pauseUntil = ttl > 0 ? performance.now() + ttl : 0;
      });
    }
    await this.pauseRead;
    return this.pauseUntil - performance.now();
  }

  private async limit(): Promise<number | undefined> {
    if (performance.now() - this.limitReadAt >= LIMIT_RECHECK_MS) {
      this.limitReadAt = performance.now();
      // Calls that come meanwhile wait for the same read, rather than going unpaced before it answers.
      this.limitRead = this.redis.get(this.limitKey).then((shared) => {
        if (Number(shared) > 0) this.requestsPerMinute = Number(shared);
      });
    }
    await this.limitRead;
    return this.requestsPerMinute;
  }
}
