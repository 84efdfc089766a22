import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { AnswerCollector } from '../../adapters/http/answer-collector.js';
import { createHttpEgress, httpChannel } from '../../adapters/http/http-egress.js';
import { readConfig } from '../../src/config/read-config.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { EgressHarness } from './egress-conformance.js';
import { RelayRecorder } from './relay-recorder.js';

/**
 * The real HTTP egress publishing to Redis; a viewer is an API client, whose answer the API builds with its
 * AnswerCollector from the delivery's relay channel (the JSON answer, or the SSE deltas summed).
 */
export async function httpHarness(): Promise<EgressHarness> {
  const database = await createTestDatabase();
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `xt-conf-${randomBytes(4).toString('hex')}`;
  const recorder = await RelayRecorder.start(prefix);
  const config = readConfig({ HTTP_API: 'true' });
  const egress = createHttpEgress(config.platforms.http!, redis, database.sql, prefix);
  let conversations = 0;
  const events = (deliveryId: string) => recorder.settled(redis, httpChannel(prefix, deliveryId));
  const answer = async (deliveryId: string) => {
    const collector = new AnswerCollector();
    for (const event of await events(deliveryId)) collector.onEvent(event);
    return collector;
  };
  return {
    egress,
    sql: database.sql,
    recipientId: 'user-1',
    capabilities: { nativeStream: true, pings: false, clearableStatus: false, doneSignal: true },
    newAddress: async () => ({ workspaceId: 'api', channelId: 'user-1', threadId: `conv-${++conversations}` }),
    seen: async (_address, deliveryId) => {
      const { text } = await answer(deliveryId);
      return text === '' ? [] : [text];
    },
    files: async (_address, deliveryId) => (await answer(deliveryId)).files.map((f) => ({ filename: f.filename, size: f.size })),
    pings: async () => [], // an API client is notified of nothing
    streamedNatively: async (_address, deliveryId) => (await events(deliveryId)).some((e) => e.type === 'open'),
    status: async () => undefined,
    doneSignalled: async (_address, deliveryId) => (await events(deliveryId)).some((e) => e.type === 'done'),
    async close() {
      await recorder.close();
      await redis.quit();
      await database.drop();
    },
  };
}
