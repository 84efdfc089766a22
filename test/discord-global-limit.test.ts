import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEgress } from '../adapters/discord/discord-egress.js';
import { readConfig } from '../src/config/read-config.js';
import { createRedis } from '../src/redis/create-redis.js';
import { startFakeDiscord, type FakeDiscord } from './fakes/fake-discord.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL } from './support/test-app.js';

/**
 * Discord's global limit (50 requests a second per bot) counted over every worker: each "worker" is an egress of its
 * own, with its own REST clients and Redis connection, against a fake Discord that counts all requests bearing the
 * bot's token together (test/fakes/fake-discord-ratelimit.ts).
 */
describe("Discord's global rate limit, shared by workers through Redis", () => {
  let discord: FakeDiscord;
  const connections: Redis[] = [];
  beforeAll(async () => {
    discord = await startFakeDiscord({
      guilds: [{ channels: Array.from({ length: 30 }, (_, i) => ({ name: `room-${i}` })) }],
    });
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit()));
    await discord?.close();
  });

  it('three workers posting at once stay under the bot’s global limit together: no 429, every message posted', async () => {
    const config = readConfig({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.restUrl });
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    const workers = Array.from({ length: 3 }, () => {
      const redis = createRedis(TEST_REDIS_URL);
      connections.push(redis);
      return new DiscordEgress(config.platforms.discord!, redis, prefix, silentLogger());
    });
    const channels = discord.guilds[0]!.channelIds;
    // Each worker has ten channels of its own (so no channel's own limit is shared), five messages in each: 150
    // requests at once, three times what one bot may send in a second.
    const posts = workers.flatMap((worker, w) =>
      channels.slice(w * 10, w * 10 + 10).flatMap((channelId) =>
        Array.from({ length: 5 }, (_, n) => worker.post({ workspaceId: discord.guildId, channelId }, `worker ${w}, message ${n}`)),
      ),
    );
    await Promise.all(posts);
    expect(discord.count429).toBe(0);
    const posted = channels.flatMap((id) => discord.channelMessages(id)).filter((m) => m.author.id === discord.botUser.id);
    expect(posted).toHaveLength(150);
  });
});
