import { once } from 'node:events';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { HeldMessages } from '../src/ingress/held-messages.js';
import { createLogger } from '../src/log/create-logger.js';
import { createInboundProducer, jobIdFor, type InboundProducer } from '../src/queue/inbound-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from './support/redis-server.js';
import { inbound } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

/**
 * HeldMessages against the real Postgres and a redis-server of the test's own, with the real BullMQ producer a
 * gateway queues through (its fail-fast connection). Each "gateway" is a HeldMessages of its own, as in production.
 */
describe.skipIf(!hasRedisServer)('messages held in Postgres while Redis cannot take them', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let admin: Redis;
  const started: { held: HeldMessages; producer: InboundProducer; connection: Redis }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startPrivateRedis();
    admin = new Redis(redis.url, { maxRetriesPerRequest: null });
    admin.on('error', () => {});
  });
  afterEach(async () => {
    for (const { held, producer, connection } of started.splice(0)) {
      await held.stop();
      await producer.close().catch(() => {});
      connection.disconnect();
    }
    await database.sql`delete from held_messages`;
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
    await database?.drop();
  });

  /** A gateway's HeldMessages, its producer on a fail-fast connection as start-app makes it, its log in `lines`. */
  async function gateway(options: { setAsideRetryMs?: number } = {}) {
    const lines: string[] = [];
    const log = createLogger({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }));
    const connection = createRedis(redis.url, { failFast: true });
    if (connection.status !== 'ready') await once(connection, 'ready');
    const producer = createInboundProducer({ redis: connection, prefix: 'xh', jobAttempts: 1 });
    const held = new HeldMessages(database.sql, producer, log, options);
    started.push({ held, producer, connection });
    held.start();
    return { held, producer, connection, lines };
  }
  const isQueued = async (producer: InboundProducer, message: InboundMessage) =>
    Boolean(await producer.queue.getJob(jobIdFor(message.id)));
  const heldRows = () => database.sql<{ id: string; error: string | null }[]>`select id, to_jsonb(h) ->> 'error' as error from held_messages h order by held_at`;
  /** Holds a message as another gateway did, and locks it as that gateway's drain does while it queues it. */
  async function heldByAnotherGatewayMidDrain(message: InboundMessage) {
    await database.sql`insert into held_messages (id, message) values (${message.id}, ${JSON.stringify(message)}::jsonb)`;
    const other = await database.sql.reserve();
    await other`begin`;
    await other`select id from held_messages where id = ${message.id} for update`;
    return {
      async release() {
        await other`rollback`;
        other.release();
      },
    };
  }
  /** Until a drain waits on the other gateway's lock (a drain that skips locked rows never does: then it gives up). */
  const drainWaitsOnLock = () =>
    waitFor('a drain to wait on the lock', async () => {
      const [row] = await database.sql`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
      return Boolean(row);
    }, 3_000).catch(() => undefined);

  it('sets aside a message Redis refuses (out of memory), logs why and what to fix, and queues it once Redis takes it', async () => {
    const { held, producer, lines } = await gateway({ setAsideRetryMs: 300 });
    const refused = inbound('while Redis is out of memory');
    await admin.config('SET', 'maxmemory', '1'); // with noeviction (as BullMQ needs): every write is refused, OOM
    try {
      expect(await held.submit(refused)).toBe('held');
      await waitFor('the message to be set aside with its error', async () => (await heldRows())[0]?.error?.includes('OOM'));
      const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; deliveryId?: string });
      const setAside = logged.find((l) => l.deliveryId === refused.id && l.level >= 50);
      expect(setAside?.msg).toMatch(/out of memory.*maxmemory/);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await waitFor('the set-aside message to be queued once Redis takes it', async () => (await heldRows()).length === 0);
    expect(await isQueued(producer, refused)).toBe(true);
  });

  it('a message arriving while another gateway is queueing held ones is held behind them, not queued ahead', async () => {
    const first = inbound('held by another gateway');
    const second = inbound('arrived meanwhile');
    const lock = await heldByAnotherGatewayMidDrain(first);
    try {
      const { held } = await gateway();
      await drainWaitsOnLock();
      expect(await held.submit(second)).toBe('held');
    } finally {
      await lock.release();
    }
    const { producer } = started[0]!;
    await waitFor('both to be queued', async () => (await isQueued(producer, first)) && (await isQueued(producer, second)));
    const [a, b] = await Promise.all([first, second].map((m) => producer.queue.getJob(jobIdFor(m.id))));
    expect(a!.timestamp).toBeLessThanOrEqual(b!.timestamp);
  });

  it('a gateway that saw Redis go away holds new messages while another gateway still queues the ones it held', async () => {
    const { held, producer, connection } = await gateway();
    await redis.stop('SIGKILL');
    await waitFor('the gateway to see Redis gone', () => connection.status !== 'ready');
    const first = inbound('held by another gateway during the outage');
    const lock = await heldByAnotherGatewayMidDrain(first);
    const second = inbound('arrived just after Redis came back');
    try {
      await redis.start();
      await waitFor('the gateway to reconnect', () => connection.status === 'ready');
      expect(await held.submit(second)).toBe('held');
    } finally {
      await lock.release();
    }
    await waitFor('both to be queued', async () => (await isQueued(producer, first)) && (await isQueued(producer, second)));
  });
});
