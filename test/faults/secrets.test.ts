import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../adapters/http/api-keys.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { snowflake, startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { appMentionEvent, messageEvent, nextEventTs, sendSlackEvent } from '../fakes/slack-events.js';
import { canariesIn, databaseContents, redisContents } from '../support/secret-scan.js';
import { spawnProcess } from '../support/spawn-process.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { waitForAnswer } from '../support/wait-for-answer.js';
import { startXiaoliuProcess, type XiaoliuProcess } from '../support/xiaoliu-process.js';
import { nodeArgsOf } from '../support/npm-script.js';

// Recognizable values that still pass config validation (and look like no real token).
const CANARIES = {
  SLACK_BOT_TOKEN: 'xoxb-canary-slack-bot-7f3a9c1e',
  SLACK_SIGNING_SECRET: 'canary-slack-signing-5d2e8b4f',
  DISCORD_TOKEN: 'canary-discord-4b1d.Cq9xZa.canary-discord-token-e6a2',
  ANTHROPIC_API_KEY: 'canary-anthropic-key-9b1c3d7a',
  DATABASE_PASSWORD: 'canary-pg-pass-3e8f0a',
};

describe('secrets never reach logs, job payloads, stored rows or users (a real xiaoliu process at LOG_LEVEL=debug)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let xiaoliu: XiaoliuProcess;
  let env: Record<string, string>;
  /** The canaries plus the secrets made during the run: the HTTP API key and Discord interaction tokens. */
  const secrets: Record<string, string> = { ...CANARIES };
  const prefix = `xt-${randomBytes(4).toString('hex')}`;
  const redisSnapshots: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ apiKey: CANARIES.ANTHROPIC_API_KEY });
    slack = await startFakeSlack({ botToken: CANARIES.SLACK_BOT_TOKEN });
    discord = await startFakeDiscord({ token: CANARIES.DISCORD_TOKEN, rateLimitWindowMs: 500 });
    secrets.HTTP_API_KEY = (await createApiKey(database.sql, 'erin', 'canary')).key;
    const databaseUrl = new URL(database.url);
    databaseUrl.password = CANARIES.DATABASE_PASSWORD; // trust auth here: the password is carried, never checked
    env = {
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: CANARIES.ANTHROPIC_API_KEY,
      SLACK_BOT_TOKEN: CANARIES.SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET: CANARIES.SLACK_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: CANARIES.DISCORD_TOKEN,
      DISCORD_API_URL: discord.restUrl,
      DISCORD_EDIT_INTERVAL_MS: '100',
      LOG_LEVEL: 'debug',
      JOB_ATTEMPTS: '2',
      CLAUDE_MAX_ATTEMPTS: '2',
    };
    xiaoliu = await startXiaoliuProcess(env);
  }, 40_000);
  afterAll(async () => {
    await xiaoliu?.stop();
    await discord?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  it('keeps every configured secret out of a realistic session with failures', async () => {
    const redis = createRedis(TEST_REDIS_URL);
    // Jobs and interaction tokens come and go: Redis is read all through the session, not only at its end.
    const snapshotter = setInterval(() => void redisContents(redis, prefix).then((text) => redisSnapshots.push(text), () => {}), 150);
    try {
      const events = `${xiaoliu.base}/slack/events`;
      const secret = CANARIES.SLACK_SIGNING_SECRET;
      // Slack: a mention, a DM, a Slack error, a model 401, a forged request.
      const mention = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> what is a token?' });
      await sendSlackEvent(events, secret, mention);
      await waitForAnswer(database.sql, `slack-T0FAKE-C1-${mention.event.ts as string}`, 20_000);
      slack.failAfterNext('chat.postMessage', 500);
      slack.rateLimitNext('chat.update', 1, 1);
      const dm = messageEvent({ channel: 'D1', user: 'U1', text: 'hello, in private', channel_type: 'im' });
      await sendSlackEvent(events, secret, dm);
      await waitForAnswer(database.sql, `slack-T0FAKE-D1-${dm.event.ts as string}`, 20_000);
      slack.failNext('chat.startStream', 'invalid_auth');
      model.enqueue({ kind: 'status', status: 401, errorType: 'authentication_error', message: 'invalid x-api-key' });
      // In an assistant thread (a DM thread), where answers stream natively.
      const refused = messageEvent({ channel: 'D2', user: 'U1', text: 'will the key work?', thread_ts: nextEventTs(), channel_type: 'im' });
      await sendSlackEvent(events, secret, refused);
      await waitForAnswer(database.sql, `slack-T0FAKE-D2-${refused.event.ts as string}`, 20_000);
      expect((await sendSlackEvent(events, 'not-the-secret', mention)).status).toBe(401);

      // Discord: a mention, a slash command (its token is a credential), a rate limit, an interaction Discord
      // does not know (its 404 names the webhook URL, token and all).
      const alice = discord.addUser({ username: 'alice' });
      const question = discord.sendMessage({ channelId: discord.channelId, author: alice, content: `<@${discord.botUser.id}> hi` });
      await waitForAnswer(database.sql, `discord-${question.id}`, 20_000);
      discord.rateLimitNext(/^PATCH \/webhooks\//, 1, 0.2);
      const command = discord.sendInteraction({ name: 'ask', options: { prompt: 'what is a secret?' }, channelId: discord.channelId, user: alice });
      secrets.DISCORD_INTERACTION_TOKEN = command.token;
      await waitForAnswer(database.sql, `discord-i-${command.id}`, 20_000);
      const unknownToken = `canary-interaction-${randomBytes(8).toString('hex')}`;
      secrets.UNKNOWN_INTERACTION_TOKEN = unknownToken;
      discord.dispatchRaw('INTERACTION_CREATE', {
        id: snowflake(),
        application_id: discord.applicationId,
        type: 2,
        token: unknownToken,
        version: 1,
        data: { id: snowflake(), name: 'ask', type: 1, options: [{ name: 'prompt', type: 3, value: 'hello?' }] },
        channel_id: discord.channelId,
        channel: { id: discord.channelId, type: 0 },
        guild_id: discord.guildId,
        member: { user: alice, roles: [], joined_at: new Date().toISOString(), permissions: '0', deaf: false, mute: false, flags: 0 },
        app_permissions: '0',
        locale: 'en-US',
        entitlements: [],
        authorizing_integration_owners: {},
        context: 0,
      });
      await waitFor('the refused interaction to be logged', () => /could not take a Discord command/.test(xiaoliu.output()), 10_000);

      // HTTP: an answer, a wrong key, a key that is almost right.
      const chat = (key: string) =>
        fetch(`${xiaoliu.base}/v1/chat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ message: 'what does my key look like?' }),
        });
      const answered = await chat(secrets.HTTP_API_KEY!);
      expect(answered.status).toBe(200);
      const answerText = await answered.text();
      expect((await chat(`${secrets.HTTP_API_KEY!.slice(0, -1)}x`)).status).toBe(401);
      expect((await chat('xlk_nonsense')).status).toBe(401);

      const hits = [
        ...canariesIn(xiaoliu.output(), secrets, 'the process log'),
        ...canariesIn(answerText, secrets, 'an HTTP answer'),
        ...canariesIn(JSON.stringify(slack.calls), secrets, 'what was sent to Slack'),
        ...canariesIn(JSON.stringify([...new Set([discord.channelId, question.id])].flatMap((id) => discord.channelMessages(id))), secrets, 'Discord messages'),
        ...canariesIn(JSON.stringify(discord.interactionResponses(command.id)), secrets, 'the slash command answer'),
        ...canariesIn(await databaseContents(database.sql), secrets, 'Postgres'),
        ...canariesIn(redisSnapshots.join('\n') + (await redisContents(redis, prefix)), secrets, 'Redis'),
      ];
      expect(hits).toEqual([]);
      // The scans saw what they were meant to: debug logs, failures, job payloads, answers.
      expect(xiaoliu.output()).toMatch(/"level":20/);
      expect(xiaoliu.output()).toMatch(/model call failed/);
      expect(redisSnapshots.join('\n')).toMatch(/"data"/);
      expect(answerText).toContain('Echo: [erin]');
    } finally {
      clearInterval(snapshotter);
      await redis.quit();
    }
  }, 60_000);

  it('keeps them out of the errors of a process that cannot start', async () => {
    const broken: Record<string, string>[] = [
      { SLACK_BOT_TOKEN: CANARIES.SLACK_BOT_TOKEN.replace('xoxb-', '') }, // not a bot token
      { DISCORD_TOKEN: `${CANARIES.DISCORD_TOKEN} trailing words` },
      { ANTHROPIC_API_KEY: `${CANARIES.ANTHROPIC_API_KEY} with spaces` },
      { DATABASE_URL: `postgres://postgres:${CANARIES.DATABASE_PASSWORD}@127.0.0.1:1/nowhere` },
      { SLACK_API_URL: `${slack.apiUrl.replace(/\/api\/$/, '/nowhere/')}` }, // Slack refuses the token: auth.test fails
      { DISCORD_TOKEN: 'canary-discord-wrong.Cq9xZa.canary-discord-token-0000' }, // Discord refuses the token
    ];
    secrets.WRONG_DISCORD_TOKEN = 'canary-discord-wrong.Cq9xZa.canary-discord-token-0000';
    const outputs = await Promise.all(
      broken.map(async (change) => {
        const run = spawnProcess(nodeArgsOf('start'), { ...env, PORT: '0', ...change });
        const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
        const code = await run.exited;
        clearTimeout(timer);
        return { change: Object.keys(change)[0]!, code, output: run.output() };
      }),
    );
    for (const { change, code, output } of outputs) {
      expect(code, `${change}: ${output.slice(-500)}`).not.toBe(0);
      expect(output, change).toMatch(/configuration error|could not start/);
      expect(canariesIn(output, secrets, `the start-up error (${change})`)).toEqual([]);
    }
  }, 60_000);
});
