import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createShellEgress, shellChannel } from '../../adapters/shell/shell-egress.js';
import { readConfig } from '../../src/config/read-config.js';
import type { ReplyAddress } from '../../src/domain/inbound-message.js';
import { relayedTexts } from '../support/relayed-texts.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { EgressHarness } from './egress-conformance.js';
import { RelayRecorder } from './relay-recorder.js';

/** The real shell egress publishing to Redis; a viewer is the terminal, which hears its session's relay channel. */
export async function shellHarness(): Promise<EgressHarness> {
  const database = await createTestDatabase();
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `xt-conf-${randomBytes(4).toString('hex')}`;
  const recorder = await RelayRecorder.start(prefix);
  const config = readConfig({ SHELL_EDIT_INTERVAL_MS: '50' });
  const egress = createShellEgress(config.platforms.shell!, redis, prefix);
  let sessions = 0;
  const events = (address: ReplyAddress) => recorder.settled(redis, shellChannel(prefix, address.workspaceId, address.channelId));
  return {
    egress,
    sql: database.sql,
    recipientId: 'alice',
    capabilities: { nativeStream: true, pings: false, clearableStatus: false, doneSignal: true },
    newAddress: async () => ({ workspaceId: 'host', channelId: `alice.conf-${++sessions}` }),
    seen: async (address) => [...relayedTexts(await events(address)).values()],
    files: async (address) =>
      (await events(address)).flatMap((e) => (e.type === 'file' ? [{ filename: e.file.filename, size: Buffer.from(e.file.dataBase64 ?? '', 'base64').length }] : [])),
    pings: async () => [], // a terminal notifies no one
    streamedNatively: async (address) => (await events(address)).some((e) => e.type === 'open'),
    status: async () => undefined,
    doneSignalled: async (address, deliveryId) => (await events(address)).some((e) => e.type === 'done' && e.deliveryId === deliveryId),
    async close() {
      await recorder.close();
      await redis.quit();
      await database.drop();
    },
  };
}
