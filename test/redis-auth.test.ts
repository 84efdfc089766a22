import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import { readConfig } from '../src/config/read-config.js';
import { checkStorage } from '../src/ops/doctor/check-storage.js';
import { formatReport } from '../src/ops/doctor.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from './support/redis-server.js';
import { nodeArgsOf } from './support/npm-script.js';
import { spawnProcess } from './support/spawn-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startXiaoliuProcess, type XiaoliuProcess } from './support/xiaoliu-process.js';

// Redis as docker-compose.yml runs it: no default user, one ACL user with a password (test/support/redis-server.ts).
// Real gateway and worker processes reach it with the user and password in REDIS_URL, every connection included
// (BullMQ's duplicates for blocking reads, the HTTP relay's subscriber); wrong or missing credentials stop start-up
// with a line naming REDIS_URL, and the password is never printed.

const USER = { name: 'xiaoliu', password: `redis-test-${randomBytes(8).toString('hex')}` };

describe.skipIf(!hasRedisServer)('Redis with an ACL user and password', () => {
  let redis: PrivateRedis;
  let database: TestDatabase;
  let model: FakeAnthropic;
  const started: XiaoliuProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startPrivateRedis({ user: USER });
    database = await createTestDatabase();
    model = await startFakeAnthropic({ firstTokenDelayMs: 10, tokensPerSecond: 0 });
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `xt-${randomBytes(4).toString('hex')}`,
      ANTHROPIC_BASE_URL: model.url,
      MIGRATE_ON_START: 'false',
      SHUTDOWN_TIMEOUT_MS: '5000',
      // Debug: every connection's chatter is printed, so a password in any of it would show.
      LOG_LEVEL: 'debug',
      SLACK_BOT_TOKEN: '',
      SLACK_APP_TOKEN: '',
      DISCORD_TOKEN: '',
    };
  });
  afterAll(async () => {
    for (const process of started) await process.stop();
    await model?.close();
    await database?.drop();
    await redis?.close();
  });

  it('a gateway and a worker answer through it with the credentials in REDIS_URL, never logging the password', async () => {
    expect(redis.url).toContain(`${USER.name}:${USER.password}@`);
    const gateway = await startXiaoliuProcess(env, 'gateway');
    started.push(gateway);
    const worker = await startXiaoliuProcess(env, 'worker');
    started.push(worker);

    // The HTTP API's whole path: the gateway queues in Redis (BullMQ), the worker answers, the relay (pub/sub) brings
    // the answer back to the gateway's waiting request.
    const { key } = await createApiKey(database.sql, 'ann', 'redis-auth');
    const response = await fetch(`${gateway.base}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'are you behind a password?' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answer: string }).answer).toBe('Echo: [ann] are you behind a password?');
    for (const process of [gateway, worker]) {
      const ready = await fetch(`${process.metricsBase}/ready`);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    }

    for (const process of [gateway, worker]) expect(await process.stop()).toBe(0);
    for (const process of [gateway, worker]) {
      expect(process.output()).toContain('shut down cleanly');
      expect(process.output()).not.toContain(USER.password);
    }
  });

  it.each([
    ['a wrong password', () => redis.url.replace(USER.password, 'not-the-password'), /Redis refused the user or password in REDIS_URL \(WRONGPASS\)/],
    ['no user or password', () => `redis://127.0.0.1:${redis.port}`, /Redis requires a password and REDIS_URL has none \(NOAUTH\)/],
  ])('with %s, start-up stops with one line naming REDIS_URL', async (_case, url, message) => {
    const worker = spawnProcess(nodeArgsOf('worker'), { ...env, REDIS_URL: url(), HOST: '127.0.0.1', PORT: '0' });
    expect(await worker.exited, worker.output()).toBe(1);
    expect(worker.output()).toMatch(new RegExp(`xiaoliu: configuration error: ${message.source}`));
    expect(worker.output()).not.toContain('not-the-password');
    expect(worker.output()).not.toContain(USER.password);
  });

  it('npm run doctor says the credentials were refused, not that Redis is unreachable', async () => {
    const wrong = readConfig({ REDIS_URL: redis.url.replace(USER.password, 'not-the-password'), DATABASE_URL: database.url });
    const lines = await checkStorage(wrong, 5000);
    const line = lines.find((l) => l.check === 'Redis')!;
    expect(line.status).toBe('fail');
    expect(line.text).toBe(
      `127.0.0.1:${redis.port} answers, but Redis refused the user or password in REDIS_URL (WRONGPASS): set the ones Redis expects, redis://USER:PASSWORD@HOST:6379`,
    );
    expect(formatReport(lines, wrong)).not.toContain('not-the-password');
    const right = await checkStorage(readConfig({ REDIS_URL: redis.url, DATABASE_URL: database.url }), 5000);
    expect(right.find((l) => l.check === 'Redis')!.status).toBe('ok');
  });
});
