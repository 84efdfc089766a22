import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { Config } from '../src/config/read-config.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent } from './fakes/slack-events.js';
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from './support/redis-server.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

const APP_TOKEN = 'xapp-test-app-token';

// Slack in Socket Mode is told a message arrived (Bolt acknowledges events before its listeners run) and never sends
// it again, so a message that cannot be queued while Redis is down must be kept by the gateway until Redis is back.
describe.skipIf(!hasRedisServer)('a Redis outage under Slack Socket Mode (real Bolt SocketModeReceiver, a redis-server of its own)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let redis: PrivateRedis;
  let config: Config;
  let gateway: RunningApp;
  let worker: RunningApp;
  let redisDown = false;
  const stopRedis = async () => {
    await redis.stop('SIGKILL');
    redisDown = true;
  };
  const startRedis = async () => {
    await redis.start();
    redisDown = false;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: 'xoxb-test-token', appToken: APP_TOKEN });
    redis = await startPrivateRedis();
    config = testConfig(database, model.url, {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redis.url,
    });
    worker = await startTestApp(config, [], { gateway: false, worker: true });
    gateway = await startTestApp(config, [], { gateway: true, worker: false });
    await waitFor('the socket', () => slack.socketConnections > 0);
  });
  afterAll(async () => {
    if (redisDown) await redis.start(); // a failed test may leave it stopped; closing the apps needs it
    await gateway?.close();
    await worker?.close();
    await slack?.close();
    await model?.close();
    await redis?.close();
    await database?.drop();
  });

  const held = async () => (await database.sql<{ id: string }[]>`select id from held_messages`).map((r) => r.id);
  const botReplies = (channel: string, ts: string) => slack.messages(channel, ts).filter((m) => m.user === 'UBOT');

  it('answers a message sent while Redis was down, once Redis is back, exactly once', async () => {
    await stopRedis();
    const mention = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> during the outage' });
    const ts = mention.event.ts as string;
    // Slack hears the acknowledgement at once, Redis or not: it will not deliver this message again.
    expect((await slack.sendSocketEvent(mention)).ackedWith).toBeDefined();
    await waitFor('the message to be held', async () => (await held()).includes(`slack-T0FAKE-C1-${ts}`));

    await startRedis();
    await waitForAnswer(database.sql, `slack-T0FAKE-C1-${ts}`, 60_000);
    expect(botReplies('C1', ts)).toHaveLength(1);
    expect(await held()).toEqual([]);
    expect(slack.socketDeliveries.filter((d) => (d.payload as { event?: { ts?: string } }).event?.ts === ts)).toHaveLength(1);
  });

  it('keeps a held message through a gateway restart, and answers it once Redis is back', async () => {
    await stopRedis();
    const mention = appMentionEvent({ channel: 'C2', user: 'U1', text: '<@UBOT> before the gateway went away' });
    const ts = mention.event.ts as string;
    await slack.sendSocketEvent(mention);
    await waitFor('the message to be held', async () => (await held()).includes(`slack-T0FAKE-C2-${ts}`));
    // The gateway that held it goes away; a new one starts once Redis is back.
    await gateway.close();
    await startRedis();
    gateway = await startTestApp(config, [], { gateway: true, worker: false });

    await waitForAnswer(database.sql, `slack-T0FAKE-C2-${ts}`, 60_000);
    expect(botReplies('C2', ts)).toHaveLength(1);
    expect(await held()).toEqual([]);
  });
});
