import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackEgress } from '../adapters/slack/slack-egress.js';
import { readConfig } from '../src/config/read-config.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { Herald } from '../src/ingress/herald.js';
import { createInboundProducer, jobIdFor } from '../src/queue/inbound-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { silentLogger } from './support/silent-logger.js';
import type { RunningApp } from '../src/app/start-app.js';
import type { Config } from '../src/config/read-config.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, messageEvent, nextEventTs, sendSlackEvent } from './fakes/slack-events.js';
import { SLACK_TEST_SECRET } from './support/slack-test-app.js';
import { startTestApp, TEST_REDIS_URL, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

// The herald (src/ingress/herald.ts) on Slack, from a message's wait to its answer: a gateway with no worker, so every
// message waits; then a worker starts and takes them. The conformance suite checks that each platform shows a sign.
describe('a message that waits in line', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let config: Config;
  let gateway: RunningApp;
  let worker: RunningApp | undefined;
  let events: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
    config = testConfig(database, model.url, { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SLACK_TEST_SECRET, SLACK_API_URL: slack.apiUrl });
    gateway = await startTestApp(config, [], { gateway: true, worker: false });
    events = `http://127.0.0.1:${gateway.port}/slack/events`;
  });
  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  const send = async (payload: object) => expect((await sendSlackEvent(events, SLACK_TEST_SECRET, payload)).status).toBe(200);
  const lastStatus = (channel: string, ts: string) => slack.statuses.filter((s) => s.channel_id === channel && s.thread_ts === ts).at(-1)?.status;

  it('says where it stands until a worker takes it, then the answer replaces the sign', async () => {
    const dm = messageEvent({ channel: 'D1', user: 'U1', text: 'a direct question', channel_type: 'im' });
    await send(dm);
    const first = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> first question' });
    await send(first);
    const second = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> second question' });
    await send(second);
    const [dmTs, firstTs, secondTs] = [dm, first, second].map((e) => String(e.event.ts)) as [string, string, string];

    // A top-level DM has no thread to show a status in: it gets a reaction. Mentions show their place in line.
    await waitFor('⏳ on the DM', () => slack.reactionsOn('D1', dmTs).includes('hourglass_flowing_sand'));
    expect(await waitFor('the first mention in line', () => lastStatus('C1', firstTs))).toBe('is in line: 1 message ahead of yours…');
    expect(await waitFor('the second mention in line', () => lastStatus('C1', secondTs))).toBe('is in line: 2 messages ahead of yours…');

    worker = await startTestApp(config, [], { gateway: false, worker: true });
    await waitFor('the three answers', () => ['D1', 'C1'].flatMap((c) => slack.messages(c).concat(slack.messages(c, firstTs), slack.messages(c, secondTs))).filter((m) => m.user === 'UBOT').length >= 3);
    await waitFor('the ⏳ taken away', () => slack.reactionsOn('D1', dmTs).length === 0);
    // Each thread's status after the wait is the answer's own ("is thinking…", then cleared), never "in line".
    await waitFor('the statuses cleared', () => !slack.statusOf('C1', firstTs) && !slack.statusOf('C1', secondTs));
    for (const ts of [firstTs, secondTs]) {
      const after = slack.statuses.filter((s) => s.thread_ts === ts).map((s) => s.status);
      expect(after.slice(after.lastIndexOf(after.find((s) => s.startsWith('is in line'))!) + 1)).toContain('is thinking…');
    }
  });
});

// The herald keeps looking for GIVE_UP_MS (30 minutes), shortened here; past that nobody would take the ⏳ away
// once a worker takes the message, so it goes when the herald stops looking.
describe('a message that waits longer than the herald looks', () => {
  it("takes the ⏳ away when it stops looking, rather than leaving it on after the answer (the real SlackEgress, fake Slack)", async () => {
    const slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
    const config = readConfig({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl });
    const redis = createRedis(TEST_REDIS_URL);
    const prefix = `xt-herald-${randomBytes(4).toString('hex')}`;
    const producer = createInboundProducer({ redis, prefix, jobAttempts: 1 });
    const egress = new Map([['slack' as const, new SlackEgress(config.platforms.slack!, silentLogger())]]);
    const herald = new Herald({ redis, prefix, egress, log: silentLogger(), delayMs: 10, lookAgainMs: 50, giveUpMs: 400 });
    try {
      const ts = nextEventTs();
      const message: InboundMessage = {
        v: 1,
        id: `slack-T0FAKE-D1-${ts}`,
        platform: 'slack',
        kind: 'dm',
        address: { workspaceId: 'T0FAKE', channelId: 'D1' },
        author: { id: 'U1', name: 'U1', isBot: false },
        text: 'a question nobody takes',
        attachments: [],
        sentAt: new Date().toISOString(),
        messageId: ts,
      };
      await producer.enqueue(message);
      herald.watch(message);
      await waitFor('⏳ on the DM', () => slack.reactionsOn('D1', ts).includes('hourglass_flowing_sand'));
      await waitFor('the ⏳ taken away once the herald stops looking', () => slack.reactionsOn('D1', ts).length === 0, 5000);
      // Still waiting: only the sign went.
      expect(await producer.queue.getJobState(jobIdFor(message.id))).toBe('waiting');
    } finally {
      herald.close();
      await producer.queue.obliterate({ force: true });
      await producer.close();
      await redis.quit();
      await slack.close();
    }
  });
});
