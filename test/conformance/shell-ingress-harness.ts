import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { ShellSession } from '../../adapters/shell/shell-session.js';
import { readConfig } from '../../src/config/read-config.js';
import { Ingress } from '../../src/ingress/ingress.js';
import { createMetrics } from '../../src/metrics/create-metrics.js';
import { createInboundProducer } from '../../src/queue/inbound-queue.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { silentLogger } from '../support/silent-logger.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { IngressHarness } from './ingress-conformance.js';

/** The terminal's session, sending typed lines through the core's ingress (no worker: the answer never comes). */
export async function shellIngressHarness(): Promise<IngressHarness> {
  const database = await createTestDatabase();
  const queuePrefix = `xt-conf-${randomBytes(4).toString('hex')}`;
  const redis = createRedis(TEST_REDIS_URL);
  const producer = createInboundProducer({ redis, prefix: queuePrefix, jobAttempts: 1 });
  const metrics = createMetrics({ processMetrics: false });
  const ingress = new Ingress({ producer, sql: database.sql, log: silentLogger(), metrics, controls: readConfig({}).controls });
  const session = new ShellSession({
    subscriber: createRedis(TEST_REDIS_URL),
    ingress,
    prefix: queuePrefix,
    workspaceId: 'host',
    channelId: 'alice.conformance',
    user: { id: 'alice', name: 'alice' },
    output: new PassThrough().resume(),
    filesDir: '/tmp',
    tty: false,
    answerTimeoutMs: 1,
  });
  await session.start();
  return {
    queuePrefix,
    dm: (text) => session.ask(text),
    async close() {
      await session.close();
      await producer.close();
      await redis.quit();
      await database.drop();
    },
  };
}
