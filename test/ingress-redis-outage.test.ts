import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { jobIdFor } from '../src/queue/inbound-queue.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

const SECRET = 'outage-secret';

describe('a Redis outage at the gateway (Redis reached through a proxy the test cuts)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let proxy: TcpProxy;
  let gateway: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
    proxy = await startTcpProxy(6379);
    const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl };
    const config = testConfig(database, model.url, slackEnv);
    gateway = await startTestApp({ ...config, redisUrl: `redis://127.0.0.1:${proxy.port}` }, [], { gateway: true, worker: false });
    worker = await startTestApp(config, [], { gateway: false, worker: true });
  });
  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
    await proxy?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  it('answers Slack 500 at once while Redis is gone, so Slack delivers again, and the redelivery is answered once', async () => {
    const url = `http://127.0.0.1:${gateway.port}/slack/events`;
    const mention = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> during the outage' });
    await proxy.cut();
    // An error, not a request left waiting for Redis: Slack redelivers on a 5xx.
    const refused = await sendSlackEvent(url, SECRET, mention);
    expect(refused.status).toBe(500);

    await proxy.restore();
    const ts = mention.event.ts as string;
    await waitFor('the gateway to reconnect', async () => {
      const retry = await sendSlackEvent(url, SECRET, mention, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' });
      return retry.status === 200;
    }, 20_000);
    await waitForAnswer(database.sql, `slack-T0FAKE-C1-${ts}`);
    await sendSlackEvent(url, SECRET, mention, { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_error' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.messages('C1', ts).filter((m) => m.user === 'UBOT')).toHaveLength(1);
  });

  it('keeps a message from a platform that never redelivers (Discord, the shell) until Redis is back', async () => {
    const message = inbound('patient question', { thread: 'T-patient' });
    await proxy.cut();
    const queued = gateway.producer.enqueue(message, { patient: true });
    await expect(gateway.producer.enqueue(inbound('impatient', { thread: 'T-patient' }))).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await proxy.restore();
    await queued;
    expect(await gateway.producer.queue.getJob(jobIdFor(message.id))).toBeDefined();
  });
});
