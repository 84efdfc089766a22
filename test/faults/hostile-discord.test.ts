import { randomBytes } from 'node:crypto';
import type { APIUser } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { snowflake, startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { discordDispatches } from '../support/hostile-inputs.js';
import { livePings } from '../support/live-pings.js';
import { seededRandom } from '../support/seeded-random.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { waitForAnswer } from '../support/wait-for-answer.js';
import { crashSigns, startXiaoliuProcess, type XiaoliuProcess } from '../support/xiaoliu-process.js';

const SEED = 4_242;
const COUNT = 10_000;
const PEOPLE = 30;

describe('10,000 malformed and hostile Discord gateway dispatches (a real xiaoliu process)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let discord: FakeDiscord;
  let xiaoliu: XiaoliuProcess;
  let people: APIUser[];
  let dms: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    // No automatic rate limits: this test is about what arrives, not about pacing what goes out.
    discord = await startFakeDiscord({ rateLimits: false, guilds: [{ channels: Array.from({ length: 8 }, (_, i) => ({ name: `room-${i}` })) }] });
    people = Array.from({ length: PEOPLE }, (_, i) => discord.addUser({ username: `person${i}` }));
    dms = people.map((p) => discord.dmChannelFor(p));
    xiaoliu = await startXiaoliuProcess({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `xt-${randomBytes(4).toString('hex')}`,
      ANTHROPIC_BASE_URL: model.url,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.restUrl,
      DISCORD_EDIT_INTERVAL_MS: '100',
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: '20',
      JOB_ATTEMPTS: '2',
    });
  }, 40_000);
  afterAll(async () => {
    await xiaoliu?.stop();
    await discord?.close();
    await model?.close();
    await database?.drop();
  });

  it('takes them without a crash or an unhandled rejection, and answers hostile questions without pinging', async () => {
    const channels = discord.guilds[0]!.channelIds;
    const botId = discord.botUser.id;
    /** A well-formed MESSAGE_CREATE as Discord sends it: in a DM mostly, sometimes in a guild channel. */
    const message = (i: number): Record<string, unknown> => {
      const author = people[i % PEOPLE]!;
      const inGuild = i % 5 === 0;
      return {
        id: snowflake(),
        channel_id: inGuild ? channels[i % channels.length] : dms[i % PEOPLE],
        ...(inGuild ? { guild_id: discord.guildId, member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } } : {}),
        author,
        content: 'hello there',
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        components: [],
        pinned: false,
        type: 0,
        flags: 0,
      };
    };
    const interaction = (i: number): Record<string, unknown> => ({
      id: snowflake(),
      application_id: discord.applicationId,
      type: 2,
      token: `aW50ZXJhY3Rpb246${randomBytes(24).toString('base64url')}`,
      version: 1,
      data: { id: snowflake(), name: 'ask', type: 1, options: [{ name: 'prompt', type: 3, value: 'a question' }] },
      channel_id: channels[0],
      channel: { id: channels[0], type: 0 },
      guild_id: discord.guildId,
      member: { user: people[i % PEOPLE], roles: [], joined_at: new Date().toISOString(), permissions: '0', deaf: false, mute: false, flags: 0 },
      app_permissions: '0',
      locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': discord.guildId },
      context: 0,
    });

    let sent = 0;
    for (const dispatch of discordDispatches(seededRandom(SEED), COUNT, { message, interaction, botId })) {
      discord.dispatchRaw(dispatch.t, dispatch.d);
      // Let the socket drain now and then, as a real gateway's pace would, so the test measures the bot, not a backlog.
      if (++sent % 200 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sent).toBe(COUNT);

    // Still connected and answering: a real question afterwards gets its answer.
    const last = discord.sendMessage({ channelId: dms[0]!, author: people[0]!, content: 'still there? @everyone' });
    await waitForAnswer(database.sql, `discord-${last.id}`, 30_000);
    // Questions still queued have no row yet (a row is written when a worker takes one): wait for more than 20 of the
    // questions that got through to be handled and none left half done, rather than for a moment of no open rows.
    const counts = async () =>
      (await database.sql<{ handled: number; open: number }[]>`
        select count(*)::int as handled, (count(*) filter (where status = 'processing'))::int as open from inbound_deliveries`)[0]!;
    await waitFor('the questions that got through to be finished', async () => {
      const { handled, open } = await counts();
      return handled > 20 && open === 0;
    }, 30_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await counts())}`);
    });

    // Everything Xiaoliu wrote was sent with pings off, and reads without a live @everyone.
    const written = [...channels, ...dms, ...discord.threads.map((t) => t.id)]
      .flatMap((id) => discord.channelMessages(id))
      .filter((m) => m.author.id === botId);
    expect(written.length).toBeGreaterThan(20);
    expect(written.filter((m) => JSON.stringify(m.allowedMentions) !== JSON.stringify({ parse: [] }))).toEqual([]);
    expect(written.flatMap((m) => livePings(m.content, 'discord'))).toEqual([]);

    expect(xiaoliu.exitCode()).toBeUndefined();
    expect(crashSigns(xiaoliu.output())).toEqual([]);
    expect((await fetch(`${xiaoliu.base}/health`)).status).toBe(200);
  }, 60_000);
});
