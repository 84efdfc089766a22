import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app/start-app.js';
import type { Config } from '../src/config/read-config.js';
import { createLogger } from '../src/log/create-logger.js';
import { jobIdFor } from '../src/queue/inbound-queue.js';
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
  // The gateway's log, to check what it tells the operator.
  const lines: string[] = [];
  const startGateway = () =>
    startApp(config, createLogger({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) })), { gateway: true, worker: false }, { processMetrics: false });
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
    gateway = await startGateway();
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
    gateway = await startGateway();

    await waitForAnswer(database.sql, `slack-T0FAKE-C2-${ts}`, 60_000);
    expect(botReplies('C2', ts)).toHaveLength(1);
    expect(await held()).toEqual([]);
  });

  it('holds a message containing NUL (which Postgres jsonb refuses) and answers it once Redis is back', async () => {
    await stopRedis();
    const mention = appMentionEvent({ channel: 'C3', user: 'U1', text: '<@UBOT> pasted from a terminal:\u0000 done' });
    const ts = mention.event.ts as string;
    await slack.sendSocketEvent(mention);
    await waitFor('the message to be held', async () => (await held()).includes(`slack-T0FAKE-C3-${ts}`));

    await startRedis();
    await waitForAnswer(database.sql, `slack-T0FAKE-C3-${ts}`, 60_000);
    expect(botReplies('C3', ts)).toHaveLength(1);
  });

  it('sets aside a message Redis refuses, says why in the log, and answers the messages after it', async () => {
    // One message Redis refuses, Redis up: its job's key already holds a value of another type (WRONGTYPE).
    const refused = appMentionEvent({ channel: 'C4', user: 'U1', text: '<@UBOT> the one Redis refuses' });
    const refusedId = `slack-T0FAKE-C4-${refused.event.ts as string}`;
    const admin = new Redis(redis.url);
    admin.on('error', () => {});
    try {
      await admin.set(`${config.queuePrefix}:inbound:${jobIdFor(refusedId)}`, 'not a job');
    } finally {
      admin.disconnect();
    }
    await slack.sendSocketEvent(refused);
    await waitFor('the refused message to be held', async () => (await held()).includes(refusedId));

    const later = appMentionEvent({ channel: 'C5', user: 'U1', text: '<@UBOT> a later question' });
    await slack.sendSocketEvent(later);
    await waitForAnswer(database.sql, `slack-T0FAKE-C5-${later.event.ts as string}`, 20_000);
    expect(botReplies('C5', later.event.ts as string)).toHaveLength(1);

    // Kept, marked with what Redis said; the operator is told which message and why.
    const [row] = await database.sql<{ error: string | null }[]>`select to_jsonb(h) ->> 'error' as error from held_messages h where id = ${refusedId}`;
    expect(row?.error).toMatch(/WRONGTYPE/);
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; deliveryId?: string });
    expect(logged.find((l) => l.deliveryId === refusedId && l.level >= 50)?.msg).toMatch(/refused.*set aside/);
  });
});
