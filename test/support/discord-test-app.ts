import type { APIUser } from 'discord.js';
import type { RunningApp } from '../../src/app/start-app.js';
import type { Config } from '../../src/config/read-config.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type FakeMessage } from '../fakes/fake-discord.js';
import { startTestApp, testConfig } from './test-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { waitFor } from './wait-for.js';

/** The real pipeline with the Discord adapter on, against the fake Discord and the fake model. */
export interface DiscordTestApp {
  database: TestDatabase;
  model: FakeAnthropic;
  discord: FakeDiscord;
  app: RunningApp;
  config: Config;
  alice: APIUser;
  bob: APIUser;
  /** `<@bot>`, to start a message with. */
  mention: string;
  /** Waits until the delivery is answered (its whole answer posted), e.g. `discord-<messageId>`. */
  answered(deliveryId: string): Promise<void>;
  /** Xiaoliu's messages in a channel or thread, oldest first. */
  botMessages(channelId: string): FakeMessage[];
  close(): Promise<void>;
}

export async function startDiscordTestApp(env: Record<string, string> = {}, discordOptions: FakeDiscordOptions = {}): Promise<DiscordTestApp> {
  const database = await createTestDatabase();
  const model = await startFakeAnthropic();
  // A short rate-limit window keeps Discord's per-channel limits in play without slowing the tests down.
  const discord = await startFakeDiscord({ rateLimitWindowMs: 500, ...discordOptions });
  const config = testConfig(database, model.url, {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.restUrl,
    DISCORD_EDIT_INTERVAL_MS: '150',
    ...env,
  });
  const app = await startTestApp(config, []);
  return {
    database,
    model,
    discord,
    app,
    config,
    alice: discord.addUser({ username: 'alice', global_name: 'Alice' }),
    bob: discord.addUser({ username: 'bob', global_name: 'Bob' }),
    mention: `<@${discord.botUser.id}>`,
    async answered(deliveryId) {
      await waitFor(`the answer to ${deliveryId}`, async () => {
        const [row] = await database.sql`select status from inbound_deliveries where id = ${deliveryId}`;
        return row?.status === 'answered';
      });
    },
    botMessages: (channelId) => discord.channelMessages(channelId).filter((m) => m.author.id === discord.botUser.id),
    async close() {
      await app.close();
      await discord.close();
      await model.close();
      await database.drop();
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
