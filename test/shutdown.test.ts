import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellChannel } from '../adapters/shell/shell-egress.js';
import type { RelayEvent } from '../src/relay/relay-events.js';
import { createInboundProducer } from '../src/queue/inbound-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { inbound, startTestApp, testConfig, TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { spawnProcess, type RunningProcess } from './support/spawn-process.js';
import { relayedTexts } from './support/relayed-texts.js';
import { waitFor } from './support/wait-for.js';
import { nodeArgsOf } from './support/npm-script.js';

/** Runs `npm start` the way the npm script does (node … dist/src/main.js start), with its own environment. */
function startProcess(env: Record<string, string>): RunningProcess {
  return spawnProcess(nodeArgsOf('start'), env);
}

describe('graceful shutdown (SIGTERM to a real `npm start` process)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ firstTokenDelayMs: 300, tokensPerSecond: 40 });
  });
  afterAll(async () => {
    await model?.close();
    await database?.drop();
  });

  async function setUp(shutdownTimeoutMs: number) {
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      ANTHROPIC_BASE_URL: model.url,
      PORT: '0',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    };
    const redis = createRedis(TEST_REDIS_URL);
    const producer = createInboundProducer({ redis, prefix, jobAttempts: 3 });
    const events: RelayEvent[] = [];
    const subscriber = createRedis(TEST_REDIS_URL);
    subscriber.on('message', (_channel: string, raw: string) => events.push(JSON.parse(raw) as RelayEvent));
    await subscriber.subscribe(shellChannel(prefix, 'W1', 'C1'));
    const message = inbound('tell me a long story', { thread: undefined, kind: 'dm' });
    message.address = { workspaceId: 'W1', channelId: 'C1' };
    const cleanUp = async () => {
      await producer.close();
      await redis.quit();
      await subscriber.quit();
    };
    return { env, producer, events, message, cleanUp };
  }

  it('finishes the answer in flight, then exits 0', async () => {
    const { env, producer, events, message, cleanUp } = await setUp(15_000);
    const app = startProcess(env);
    await waitFor('start-up', () => app.output().includes('xiaoliu is up'));
    const before = model.requests.length;
    await producer.enqueue(message);
    await waitFor('the model request', () => model.requests.length > before);
    app.child.kill('SIGTERM');

    expect(await app.exited).toBe(0);
    // One message, streamed whole: opened, then appended to.
    expect([...relayedTexts(events).values()]).toEqual(['Echo: [Ann] tell me a long story']);
    expect(events.filter((e) => e.type === 'post' || e.type === 'edit')).toEqual([]);
    expect(events.at(-1)).toEqual({ type: 'done', deliveryId: message.id });
    expect(app.output()).toContain('shut down cleanly');
    await cleanUp();
  }, 30_000);

  it('hands an answer that outlasts the timeout back to the queue; another worker finishes it in the same message', async () => {
    model.setTiming({ firstTokenDelayMs: 300, tokensPerSecond: 2 });
    const { env, producer, events, message, cleanUp } = await setUp(300);
    const app = startProcess(env);
    await waitFor('start-up', () => app.output().includes('xiaoliu is up'));
    await producer.enqueue(message);
    await waitFor('the first streamed words', () => [...relayedTexts(events).values()].some((text) => text.startsWith('Echo')));
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('handing them back to the queue');
    expect(events.some((e) => e.type === 'done'), app.output()).toBe(false);

    model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 0 });
    const config = testConfig(database, model.url, { QUEUE_PREFIX: env.QUEUE_PREFIX });
    const successor = await startTestApp(config, []);
    await waitFor('the answer from the other worker', () => events.some((e) => e.type === 'done'));
    await successor.close();

    // One message throughout: the second worker rewrote the first one's, and posted none of its own.
    expect([...relayedTexts(events).values()]).toEqual(['Echo: [Ann] tell me a long story']);
    expect(events.filter((e) => e.type === 'open' || e.type === 'post')).toHaveLength(1);
    await cleanUp();
  }, 30_000);
});
