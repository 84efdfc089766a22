import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { DiscordEgress } from '../../adapters/discord/discord-egress.js';
import { readConfig } from '../../src/config/read-config.js';
import { startFakeDiscord } from '../fakes/fake-discord.js';
import { livePings } from '../support/live-pings.js';
import { silentLogger } from '../support/silent-logger.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { EgressHarness } from './egress-conformance.js';

/** The real DiscordEgress (discord.js's REST) against the fake Discord; a viewer reads the thread's messages. */
export async function discordHarness(): Promise<EgressHarness> {
  const database = await createTestDatabase();
  const discord = await startFakeDiscord({ rateLimits: false });
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `xt-conf-${randomBytes(4).toString('hex')}`;
  const config = readConfig({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.restUrl, DISCORD_EDIT_INTERVAL_MS: '100' });
  const egress = new DiscordEgress(config.platforms.discord!, redis, prefix, silentLogger());
  const alice = discord.addUser({ username: 'alice', global_name: 'Alice' });
  const own = (channelId: string) => discord.channelMessages(channelId).filter((m) => m.author.id === discord.botUser.id);
  return {
    egress,
    sql: database.sql,
    recipientId: alice.id,
    capabilities: { nativeStream: false, pings: true, clearableStatus: false, doneSignal: false },
    // A thread started from Alice's question in the guild's channel.
    async newAddress() {
      const question = discord.sendMessage({ channelId: discord.channelId, guildId: discord.guildId, author: alice, content: 'a question' });
      const threadId = discord.startThreadFromMessage({ channelId: discord.channelId, messageId: question.id, by: alice });
      return { workspaceId: discord.guildId, channelId: threadId, threadId };
    },
    seen: async (address) => own(address.channelId).map((m) => m.content),
    files: async (address) => own(address.channelId).flatMap((m) => m.files.map((f) => ({ filename: f.name, size: f.data.length }))),
    // A mention pings unless the message forbids it: allowed_mentions { parse: [] } on every message.
    pings: async (address) =>
      own(address.channelId).flatMap((m) => [
        ...livePings(m.content, 'discord'),
        ...(JSON.stringify(m.allowedMentions) === JSON.stringify({ parse: [] }) ? [] : [`allowed_mentions ${JSON.stringify(m.allowedMentions)}`]),
      ]),
    streamedNatively: async () => false,
    // Typing is Discord's only status; Discord ends it by itself, so nothing stays shown.
    status: async () => undefined,
    doneSignalled: async () => false,
    async close() {
      await discord.close();
      await redis.quit();
      await database.drop();
    },
  };
}
