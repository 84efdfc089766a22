import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config/read-config.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { APOLOGY, Ingress, type Arrival } from '../src/ingress/ingress.js';
import { createMetrics, type Metrics } from '../src/metrics/create-metrics.js';
import { createInboundProducer, jobIdFor, type InboundProducer } from '../src/queue/inbound-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

// The rule every platform shares, owned by the core: a platform that is not even registered (here "teams") gets it
// by handing over facts, with no line of policy of its own.
describe('the core ingress policy, for any platform', () => {
  let database: TestDatabase;
  let redis: Redis;
  let producer: InboundProducer;
  let metrics: Metrics;
  let ingress: Ingress;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createRedis(TEST_REDIS_URL);
    producer = createInboundProducer({ redis, prefix: `xt-${randomBytes(4).toString('hex')}`, jobAttempts: 1 });
    metrics = createMetrics({ processMetrics: false });
    ingress = new Ingress({ producer, sql: database.sql, log: silentLogger(), metrics, controls: readConfig({}).controls });
  });
  afterAll(async () => {
    await producer?.close();
    await redis?.quit();
    await database?.drop();
  });

  let n = 0;
  const arrival = (facts: Partial<Arrival>): Arrival => ({
    platform: 'teams',
    workspaceId: 'W1',
    channelId: 'C1',
    inThread: false,
    isDm: false,
    mentionsBot: false,
    fromBot: false,
    replyMode: 'threads',
    ...facts,
  });
  const message = (kind: InboundMessage['kind'], threadId?: string): InboundMessage => ({
    v: 1,
    id: `teams-${++n}-${randomBytes(3).toString('hex')}`,
    platform: 'teams',
    kind,
    address: { workspaceId: 'W1', channelId: 'C1', ...(threadId ? { threadId } : {}) },
    author: { id: 'U1', name: 'Ann', isBot: false },
    text: 'hello',
    attachments: [],
    sentAt: new Date().toISOString(),
  });
  /** Offers a message and says what the core made of it: its kind, queued, or undefined when it was not taken. */
  const offer = async (facts: Partial<Arrival>): Promise<InboundMessage['kind'] | undefined> => {
    let taken: InboundMessage | undefined;
    const receipt = { receivedAt: performance.now(), ifRedisDown: 'fail' as const };
    await ingress.take(arrival(facts), receipt, (kind) => (taken = message(kind, facts.threadId)));
    if (taken) expect(await producer.queue.getJob(jobIdFor(taken.id))).toBeDefined();
    return taken?.kind;
  };

  it('answers DMs and mentions, never bots, and follow-ups only in threads it was summoned into', async () => {
    expect(await offer({ isDm: true })).toBe('dm');
    expect(await offer({ isDm: true, fromBot: true })).toBeUndefined();
    expect(await offer({ mentionsBot: true, fromBot: true, threadId: 'T-bot' })).toBeUndefined();
    expect(await offer({})).toBeUndefined(); // channel chatter
    expect(await offer({ inThread: true, threadId: 'T-other' })).toBeUndefined(); // someone else's thread

    // A mention, and a reply behind it handled before the mention's message is even queued: the mark is set first.
    const mention = offer({ mentionsBot: true, threadId: 'T1' });
    const followUp = offer({ inThread: true, threadId: 'T1' });
    expect(await mention).toBe('mention');
    expect(await followUp).toBe('thread');
    expect(await offer({ inThread: true, threadId: 'T1', replyMode: 'mentions' })).toBeUndefined();
    expect(await offer({ inThread: true, threadId: 'T1', mentionsBot: true, replyMode: 'mentions' })).toBe('mention');

    const acks = (await metrics.ingressAck.get()).values.find((v) => v.metricName?.endsWith('_count') && v.labels.platform === 'teams');
    expect(acks?.value).toBe(4);
  });

  const place = { platform: 'teams', workspaceId: 'W1', channelId: 'C1', isDm: false };
  const refuse = async (text: string) => expect.unreachable(`refused: ${text}`);

  it('runs a slash command: opens its thread (now Xiaoliu’s), queues it, and apologizes when it cannot', async () => {
    const receipt = { receivedAt: performance.now(), ifRedisDown: 'wait' as const };
    const command = message('slash', 'T-command');
    const apologies: string[] = [];
    await ingress.command(place, receipt, { refuse, open: async () => command, apologize: async (text) => apologies.push(text) });
    expect(await producer.queue.getJob(jobIdFor(command.id))).toBeDefined();
    expect(await offer({ inThread: true, threadId: 'T-command' })).toBe('thread');

    // The platform said why already (Slack: "invite me first"): nothing queued, no apology.
    await ingress.command(place, receipt, { refuse, open: async () => undefined, apologize: async (text) => apologies.push(text) });
    expect(apologies).toEqual([]);

    await ingress.command(place, receipt, {
      refuse,
      open: () => Promise.reject(new Error('Redis is away')),
      apologize: async (text) => apologies.push(text),
    });
    expect(apologies).toEqual([APOLOGY]);
  });
});
