import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { RateBudget } from '../src/rate/rate-budget.js';
import { createRedis } from '../src/redis/create-redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackEgress } from '../adapters/slack/slack-egress.js';
import type { RunningApp } from '../src/app/start-app.js';
import type { SlackConfig } from '../adapters/slack/slack-config.js';
import { readConfig } from '../src/config/read-config.js';
import type { ReplyAddress } from '../src/domain/inbound-message.js';
import { createLogger } from '../src/log/create-logger.js';
import { ReplyWriter } from '../src/render/reply-writer.js';
import { claimDelivery } from '../src/store/claim-delivery.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, nextEventTs, sendSlackEvent } from './fakes/slack-events.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { workerSlackEgress } from './support/worker-slack-egress.js';
import { waitForAnswer } from './support/wait-for-answer.js';

const SECRET = 'thread-reads-secret';
const TOKEN = 'xoxb-test-token';


/** Seeds a thread of `count` messages (the parent, then replies) in `channel`, and returns the parent's ts. */
function seedThread(slack: FakeSlack, channel: string, count: number): string {
  const parent = nextEventTs();
  slack.seedMessage({ channel, ts: parent, user: 'U2', text: 'Topic: the deploy is failing' });
  for (let i = 1; i < count; i++) {
    slack.seedMessage({ channel, ts: nextEventTs(), thread_ts: parent, user: i % 2 ? 'U1' : 'U2', text: `message #${String(i).padStart(3, '0')}` });
  }
  return parent;
}

describe.each(['internal', 'non-marketplace'] as const)('Xiaoliu summoned into a long Slack thread, as an app of class %s', (appClass) => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: TOKEN, appClass });
    slack.seedUser({ id: 'U1', name: 'ann', real_name: 'Ann Lee', display_name: 'Ann' });
    slack.seedUser({ id: 'U2', name: 'bo', real_name: 'Bo Chen', display_name: 'Bo' });
    const config = testConfig(database, model.url, {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_APP_CLASS: appClass,
    });
    app = await startTestApp(config, []);
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  it('reads the messages nearest the mention in a 200-message thread, within the calls Slack allows', async () => {
    const parent = seedThread(slack, 'C-long', 200);
    const mention = appMentionEvent({ channel: 'C-long', user: 'U1', text: '<@UBOT> so what do you think?', thread_ts: parent });
    expect((await sendSlackEvent(`http://127.0.0.1:${app.port}/slack/events`, SECRET, mention)).status).toBe(200);
    await waitForAnswer(database.sql, `slack-T0FAKE-C-long-${mention.event.ts as string}`);

    const sent = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(sent).toContain('[Bo] Topic: the deploy is failing');
    const reads = slack.callsTo('conversations.replies').filter((c) => c.args.channel === 'C-long');
    // Never more than the app may make, and never a 429.
    expect(reads.every((c) => c.status === 200)).toBe(true);
    if (appClass === 'internal') {
      // The last messages before the mention are there; the first replies of the thread, far from it, are not.
      expect(sent).toContain('message #199');
      expect(sent).toContain('message #160');
      expect(sent).not.toContain('message #010');
    } else {
      // One call a minute, 15 messages a call: the start of the thread, and a note that the rest was not read.
      expect(reads).toHaveLength(1);
      expect(sent).toContain('message #014');
      expect(sent).not.toContain('message #199');
      expect(sent).toMatch(/later messages of this thread[^"]*could not be read/);
    }
  });
});

describe('the crash-recovery look-up in a long Slack thread (real SlackEgress and ReplyWriter, fake Slack, Postgres)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function start(appClass: 'internal' | 'non-marketplace', streaming: boolean) {
    const slack = await startFakeSlack({ botToken: TOKEN, appClass });
    const env = { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl, SLACK_APP_CLASS: appClass };
    const config = readConfig({ ...env, SLACK_NATIVE_STREAMING: String(streaming) });
    return { slack, egress: workerSlackEgress(config.platforms.slack!) };
  }

  it.each(['internal', 'non-marketplace'] as const)(
    "finds the bot's own message at the end of a 200-message thread, past the first page (%s app)",
    async (appClass) => {
      const { slack, egress } = await start(appClass, false);
      try {
        const parent = seedThread(slack, 'C-recover', 200);
        const question = nextEventTs();
        slack.seedMessage({ channel: 'C-recover', ts: question, thread_ts: parent, user: 'U1', text: '<@UBOT> help' });
        const address: ReplyAddress = { workspaceId: 'T0FAKE', channelId: 'C-recover', threadId: parent };
        const deliveryId = `slack-T0FAKE-C-recover-${question}`;
        // The dead attempt: posted its placeholder, then died before recording it.
        await egress.post(address, '_Thinking…_', { deliveryId, part: 0 });
        await claimDelivery(database.sql, 'slack', address, deliveryId, 'U1');
        const retry = new ReplyWriter(egress, address, deliveryId, database.sql, silentLogger(), false, 'U1');
        await retry.start();
        await retry.finish('Answered once.');

        const own = slack.messages('C-recover', parent).filter((m) => m.user === 'UBOT');
        expect(own.map((m) => m.text)).toEqual(['Answered once.']);
        expect(slack.count429).toBe(0);
      } finally {
        await slack.close();
      }
    },
  );

  it('reuses the stream a dead attempt opened at the end of a 200-message thread (app outside the Marketplace)', async () => {
    const { slack, egress } = await start('non-marketplace', true);
    try {
      const parent = seedThread(slack, 'D-stream', 200);
      const address: ReplyAddress = { workspaceId: 'T0FAKE', channelId: 'D-stream', threadId: parent };
      const question = nextEventTs();
      slack.seedMessage({ channel: 'D-stream', ts: question, thread_ts: parent, user: 'U1', text: '<@UBOT> help' });
      await egress.nativeStream!.start(address, 'U1', { deliveryId: 'earlier', part: 0 }); // the dead attempt's stream, never recorded
      const deliveryId = `slack-T0FAKE-D-stream-${question}`;
      await claimDelivery(database.sql, 'slack', address, deliveryId, 'U1');
      const retry = new ReplyWriter(egress, address, deliveryId, database.sql, silentLogger(), false, 'U1');
      await retry.start();
      await retry.finish('The whole answer.');
      expect(slack.messages('D-stream', parent).filter((m) => m.user === 'UBOT').map((m) => m.text)).toEqual(['The whole answer.']);
    } finally {
      await slack.close();
    }
  });
});

/**
 * conversations.replies and conversations.history on the shared rate budget, for an app outside the Marketplace: one
 * call a minute per workspace, whichever worker makes it (the fake enforces it as Slack documents, test/fakes/
 * fake-slack-history.ts). Slack's minute is 3 s here, in the fake and in the budget alike.
 */
describe('Slack thread reads of an app outside the Marketplace, paced by the budget every worker shares', () => {
  const timeScale = 0.05;
  let database: TestDatabase;
  let slack: FakeSlack;
  const lines: string[] = [];
  let egresses: SlackEgress[];
  const workers: Redis[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    slack = await startFakeSlack({ botToken: TOKEN, appClass: 'non-marketplace', timeScale });
    const env = { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl, SLACK_APP_CLASS: 'non-marketplace' };
    const config = readConfig({ ...env, SLACK_NATIVE_STREAMING: 'false' }).platforms.slack!;
    const log = createLogger({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }));
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    // Two workers: their own WebClient, Redis connection and budget object each; all they share is Redis.
    egresses = [0, 1].map(() => {
      const redis = createRedis(TEST_REDIS_URL);
      workers.push(redis);
      return new SlackEgress(config, log, new RateBudget(redis, prefix, { timeScale }));
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((r) => r.quit()));
    await slack?.close();
    await database?.drop();
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('two crash recoveries in one workspace within a minute each find their message: nothing posted twice, no 429', async () => {
    const recoveries = ['C-rec-a', 'C-rec-b'].map(async (channel, i) => {
      const parent = seedThread(slack, channel, 5);
      const question = nextEventTs();
      slack.seedMessage({ channel, ts: question, thread_ts: parent, user: 'U1', text: '<@UBOT> help' });
      const address: ReplyAddress = { workspaceId: 'T0FAKE', channelId: channel, threadId: parent };
      const deliveryId = `slack-T0FAKE-${channel}-${question}`;
      const egress = egresses[i]!;
      // The dead attempt: posted its placeholder, then died before recording it.
      await egress.post(address, '_Thinking…_', { deliveryId, part: 0 });
      await claimDelivery(database.sql, 'slack', address, deliveryId, 'U1');
      const retry = new ReplyWriter(egress, address, deliveryId, database.sql, silentLogger(), false, 'U1');
      await retry.start();
      await retry.finish('Answered once.');
      return slack.messages(channel, parent).filter((m) => m.user === 'UBOT').map((m) => m.text);
    });
    expect(await Promise.all(recoveries)).toEqual([['Answered once.'], ['Answered once.']]);
    expect(slack.count429).toBe(0);
  });

  it('a second context read within the minute goes without the earlier thread, says so in the log, and draws no 429', async () => {
    await sleep(1.5 * 60_000 * timeScale); // past the last test's minute, in Slack and in the budget
    const [first, second] = ['C-ctx-a', 'C-ctx-b'].map((channel) => {
      const parent = seedThread(slack, channel, 5);
      const question = nextEventTs();
      slack.seedMessage({ channel, ts: question, thread_ts: parent, user: 'U1', text: '<@UBOT> thoughts?' });
      return { address: { workspaceId: 'T0FAKE', channelId: channel, threadId: parent }, question };
    });
    const read = await egresses[0]!.readThread(first!.address, first!.question);
    expect(read.map((m) => m.text)).toContain('Topic: the deploy is failing');
    // The next slot is most of a minute away: not worth holding the answer for.
    expect(await egresses[1]!.readThread(second!.address, second!.question)).toEqual([]);
    expect(slack.count429).toBe(0);
    expect(slack.callsTo('conversations.replies').filter((c) => c.args.channel === 'C-ctx-b')).toHaveLength(0);
    expect(lines.join('')).toMatch(/answering without the earlier messages of the thread.*SLACK_APP_CLASS/);
  });
});
