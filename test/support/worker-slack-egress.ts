import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import type { SlackConfig } from '../../adapters/slack/slack-config.js';
import { SlackEgress } from '../../adapters/slack/slack-egress.js';
import { RateBudget } from '../../src/rate/rate-budget.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { silentLogger } from './silent-logger.js';
import { TEST_REDIS_URL } from './test-app.js';

const connections: Redis[] = [];
afterAll(async () => {
  await Promise.all(connections.splice(0).map((r) => r.quit()));
});

/** A worker's real SlackEgress, with its rate budget in the test Redis under a prefix of its own; closed after the file. */
export function workerSlackEgress(config: SlackConfig): SlackEgress {
  const redis = createRedis(TEST_REDIS_URL);
  connections.push(redis);
  return new SlackEgress(config, silentLogger(), new RateBudget(redis, `xt-${randomBytes(4).toString('hex')}`));
}
