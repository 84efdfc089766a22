import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEgress } from '../adapters/discord/discord-egress.js';
import { discordGlobalBucket } from '../adapters/discord/discord-global-limit.js';
import type { RunningApp } from '../src/app/start-app.js';
import { readConfig } from '../src/config/read-config.js';
import { jobIdFor } from '../src/queue/inbound-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeDiscord, type FakeDiscord } from './fakes/fake-discord.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

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

  it('a preview pays for every attempt: retried after a 429 when the budget is spent, it is left out', async () => {
    const config = readConfig({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.restUrl });
    const redis = createRedis(TEST_REDIS_URL);
    connections.push(redis);
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    const worker = new DiscordEgress(config.platforms.discord!, redis, prefix, silentLogger());
    const address = { workspaceId: discord.guildId, channelId: discord.guilds[0]!.channelIds[29]! };
    const { messageId } = await worker.post(address, 'first');
    const edits = () => discord.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/messages/${messageId}`));
    // The route answers the preview's first attempt with a 429 (retry after 1 s); @discordjs/rest waits, then retries.
    discord.rateLimitNext(`PATCH /channels/:id/messages/${messageId}`, 1, 1);
    const preview = worker.edit(address, messageId, 'first, and more', { preview: true });
    await waitFor('the first attempt', () => edits().length === 1);
    // Meanwhile every slot of the bot's global budget is taken (as workers reserving far ahead would leave it).
    const [seconds, micros] = await redis.time();
    const tat = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + 600_000;
    await redis.set(`${prefix}:rate:${discordGlobalBucket(discord.token).key}`, tat, 'PX', 600_000);
    // The retry finds no slot free: the preview is left out (the final edit will carry the text), not sent unpaid.
    expect(await preview).toBe(false);
    expect(edits()).toHaveLength(1);
  });
});

/**
 * The gateway process's own REST calls (the threads it opens for mentions; discord.js's Client) on the same shared
 * budget as the workers', with interaction callbacks left out as Discord leaves them out of the global limit. The
 * gateway runs as in production (start-app, gateway role only); the worker is an egress of its own.
 */
describe("Discord's global rate limit, shared by the gateway and the workers", () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let discord: FakeDiscord;
  let gateway: RunningApp;
  let redis: Redis;
  let prefix: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    discord = await startFakeDiscord({ guilds: [{ channels: Array.from({ length: 30 }, (_, i) => ({ name: `room-${i}` })) }] });
    const config = testConfig(database, model.url, { DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.restUrl });
    prefix = config.queuePrefix;
    gateway = await startTestApp(config, [], { gateway: true, worker: false });
    redis = createRedis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await gateway?.close();
    await redis?.quit();
    await discord?.close();
    await model?.close();
    await database?.drop();
  });

  it('threads the gateway opens and a worker’s posts, at once, stay under the global limit together: no 429', async () => {
    const config = readConfig({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.restUrl });
    const worker = new DiscordEgress(config.platforms.discord!, redis, prefix, silentLogger());
    const alice = discord.addUser({ username: 'alice' });
    const channels = discord.guilds[0]!.channelIds;
    const threadsBefore = discord.threads.length;
    // 60 mentions (a thread each, opened by the gateway) and 60 worker posts, two of each per channel: 120 requests
    // at once, more than twice what one bot may send in a second.
    for (const [i, channelId] of [...channels, ...channels].entries()) {
      discord.sendMessage({ channelId, author: alice, content: `<@${discord.botUser.id}> question ${i}` });
    }
    const posts = [...channels, ...channels].map((channelId, i) => worker.post({ workspaceId: discord.guildId, channelId }, `post ${i}`));
    await Promise.all(posts);
    await waitFor('the gateway to open 60 threads', () => discord.threads.length - threadsBefore >= 60);
    expect(discord.count429).toBe(0);
  });

  it('with the budget spent, the gateway opens no thread, but still acknowledges a slash command at once', async () => {
    // Every slot for the next ten minutes taken (what workers reserving far ahead would leave): a paced request
    // fails at once (RateBudgetExhausted), so a mention is answered in its channel without a thread.
    const [seconds, micros] = await redis.time();
    const tat = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + 600_000;
    await redis.set(`${prefix}:rate:${discordGlobalBucket(discord.token).key}`, tat, 'PX', 600_000);
    const bob = discord.addUser({ username: 'bob' });
    const threadsBefore = discord.threads.length;
    const mention = discord.sendMessage({ channelId: discord.channelId, author: bob, content: `<@${discord.botUser.id}> no thread?` });
    await waitFor('the mention to be queued', async () => (await gateway.producer.queue.getJob(jobIdFor(`discord-${mention.id}`))) !== undefined);
    expect(discord.threads.length).toBe(threadsBefore);
    // "Interaction endpoints are not bound to the bot's Global Rate Limit": the deferred reply goes all the same.
    const { id } = discord.sendInteraction({ name: 'ask', options: { prompt: 'still there?' }, channelId: discord.channelId, user: bob });
    await waitFor('the command to be acknowledged', () => discord.interactionResponses(id).some((r) => r.kind === 'callback' && r.type === 5));
    await redis.del(`${prefix}:rate:${discordGlobalBucket(discord.token).key}`);
  });
});
