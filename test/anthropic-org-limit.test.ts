import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ClaudeClient } from '../src/claude/claude-client.js';
import { OrgRateLimit } from '../src/claude/org-rate-limit.js';
import { createMetrics } from '../src/metrics/create-metrics.js';
import { createRedis } from '../src/redis/create-redis.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const question = { model: 'claude-sonnet-5-5', maxTokens: 50, effort: 'low' as const, system: [{ type: 'text' as const, text: 'sys' }], messages: [{ role: 'user' as const, content: 'hi' }] };

/**
 * Two workers, as two processes would be: each its own SDK client and its own Redis connection, sharing only Redis
 * and the organisation's limits at the (fake) API.
 */
describe('the Anthropic organisation rate limits, shared by every worker', () => {
  const redises: Redis[] = [];
  let model: FakeAnthropic | undefined;
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });
  afterAll(() => {
    for (const redis of redises) redis.disconnect();
  });

  function workers(prefix: string, count = 2): ClaudeClient[] {
    return Array.from({ length: count }, () => {
      const redis = createRedis(TEST_REDIS_URL);
      redises.push(redis);
      return new ClaudeClient({
        apiKey: 'right-key',
        baseUrl: model!.url,
        maxAttempts: 4,
        timeoutMs: 10_000,
        log: silentLogger(),
        metrics: createMetrics({ processMetrics: false }),
        orgLimit: new OrgRateLimit(redis, prefix, silentLogger()),
      });
    });
  }

  it("holds back every worker after one is answered 429, until the API's retry-after has passed", async () => {
    model = await startFakeAnthropic({ apiKey: 'right-key' });
    const prefix = `xiaoliu-test-${randomUUID()}`;
    const [first, second] = workers(prefix);
    model.enqueue({ kind: 'status', status: 429, errorType: 'rate_limit_error', retryAfterSeconds: 1 });
    const answered = first!.chat(question);
    await waitFor('the first worker to be told 429', () => model!.requests.length === 1);
    const refusedAt = model.requests[0]!.at;
    const probe = redises.at(-1)!;
    await waitFor('the pause to be shared', async () => (await probe.pttl(`${prefix}:anthropic:{org}:pause`)) > 0);

    // The other worker asks now: it waits for the same pause instead of drawing another 429.
    const other = second!.chat(question);
    await Promise.all([answered, other]);
    const later = model.requests.slice(1);
    expect(later).toHaveLength(2);
    for (const request of later) expect(request.at - refusedAt).toBeGreaterThanOrEqual(1000);
  });

  it('paces every worker to the requests-per-minute limit the API reports: no 429 where unpaced calls draw them', async () => {
    // 120 a minute: a bucket of 120 refilled at 2 a second. 123 calls at once would overdraw it unpaced.
    model = await startFakeAnthropic({ apiKey: 'right-key', requestsPerMinute: 120 });
    const prefix = `xiaoliu-test-${randomUUID()}`;
    const [first, second] = workers(prefix);
    // One call teaches the limit (any worker's response does; they share it through Redis).
    await first!.chat(question);
    const answers = await Promise.all(Array.from({ length: 122 }, (_, i) => (i % 2 ? first! : second!).chat(question)));
    expect(answers.every((a) => a.text.startsWith('Echo:'))).toBe(true);
    expect(model.rateLimited()).toBe(0);
    expect(model.requests).toHaveLength(123);
  }, 30_000);
});
