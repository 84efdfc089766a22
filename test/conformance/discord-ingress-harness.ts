import { randomBytes } from 'node:crypto';
import { startFakeDiscord } from '../fakes/fake-discord.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { IngressHarness } from './ingress-conformance.js';

/** A gateway (no worker, so what it queues stays queued) logged into the fake Discord's gateway with discord.js. */
export async function discordIngressHarness(): Promise<IngressHarness> {
  const database = await createTestDatabase();
  const discord = await startFakeDiscord({ rateLimits: false });
  const config = testConfig(database, 'http://127.0.0.1:9', { DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.restUrl });
  const app = await startTestApp(config, [], { gateway: true, worker: false });
  const alice = discord.addUser({ username: 'alice', global_name: 'Alice' });
  const otherBot = discord.addUser({ username: 'otherbot', bot: true });
  const mention = `<@${discord.botUser.id}>`;
  return {
    queuePrefix: config.queuePrefix,
    // Each DM from someone new: typing shows per channel, so a channel of its own tells this message's sign apart.
    dm: async (content) => {
      const someone = discord.addUser({ username: `dm-${randomBytes(3).toString('hex')}` });
      void discord.sendMessage({ channelId: discord.dmChannelFor(someone), author: someone, content });
    },
    dmWithFile: async (content, file) => {
      const someone = discord.addUser({ username: `dm-${randomBytes(3).toString('hex')}` });
      void discord.sendMessage({
        channelId: discord.dmChannelFor(someone),
        author: someone,
        content,
        attachments: [{ name: file.name, contentType: file.mimeType, data: file.data }],
      });
    },
    channels: {
      mention: async (content) => void discord.sendMessage({ channelId: discord.channelId, author: alice, content: `${mention} ${content}` }),
      reply: async (address, content) => void discord.sendMessage({ channelId: address.threadId!, author: alice, content }),
      chatter: async (content) => void discord.sendMessage({ channelId: discord.channelId, author: alice, content }),
      fromBot: async (content) => void discord.sendMessage({ channelId: discord.dmChannelFor(otherBot), author: otherBot, content: `${mention} ${content}` }),
      slash: async (prompt) => void discord.sendInteraction({ name: 'ask', options: { prompt }, channelId: discord.channelId, user: alice }),
      slashOpensThread: false,
    },
    async queuedSigns(message) {
      const where = message.address.threadId ?? message.address.channelId;
      return Array.from({ length: discord.typing.get(where) ?? 0 }, () => `typing in ${where}`);
    },
    signSaysWhere: false,
    async close() {
      await app.close();
      await discord.close();
      await database.drop();
    },
  };
}
