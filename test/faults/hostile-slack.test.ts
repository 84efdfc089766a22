import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_QUEUE } from '../../src/queue/inbound-queue.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { appMentionEvent, messageEvent, sendSlackEvent, signSlackRequest } from '../fakes/slack-events.js';
import { slackRequests } from '../support/hostile-inputs.js';
import { livePings } from '../support/live-pings.js';
import { seededRandom } from '../support/seeded-random.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { waitForAnswer } from '../support/wait-for-answer.js';
import { crashSigns, pool, send, sendDeclaredOnly, startXiaoliuProcess, type XiaoliuProcess } from '../support/xiaoliu-process.js';

const SEED = 7_301;
const COUNT = 10_000;
const SECRET = 'hostile-test-signing-secret';
const CHANNELS = 40;
const RATE_TIME_SCALE = 0.01;

describe('10,000 malformed and hostile requests to POST /slack/events (a real xiaoliu process)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let xiaoliu: XiaoliuProcess;
  const prefix = `xt-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    // Hundreds of questions get through, all in one workspace: more than Slack's per-workspace limits (chat.update:
    // 50 a minute) let anyone answer in the test's minute, so Slack's windows are shrunk a hundredfold, in the fake
    // and in the process's pacing alike (SLACK_RATE_TIME_SCALE).
    slack = await startFakeSlack({ botToken: 'xoxb-hostile-test-token', timeScale: RATE_TIME_SCALE });
    xiaoliu = await startXiaoliuProcess({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      ANTHROPIC_BASE_URL: model.url,
      SLACK_BOT_TOKEN: 'xoxb-hostile-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_RATE_TIME_SCALE: String(RATE_TIME_SCALE),
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: '20',
      JOB_ATTEMPTS: '2',
    });
  }, 40_000);
  afterAll(async () => {
    await xiaoliu?.stop();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  it('refuses or ignores them without a 5xx, a crash or an unhandled rejection, and answers hostile questions without pinging', async () => {
    const url = `${xiaoliu.base}/slack/events`;
    const agent = new Agent({ keepAlive: true, maxSockets: 24 });
    const valid = (i: number) =>
      i % 5 === 0
        ? messageEvent({ channel: `D${i % CHANNELS}`, user: 'U1', text: 'a direct question', channel_type: 'im' })
        : appMentionEvent({ channel: `C${i % CHANNELS}`, user: 'U1', text: '<@UBOT> a question' });
    const violations: string[] = [];
    const byLabel = new Map<string, number>();
    await pool(slackRequests(seededRandom(SEED), COUNT, SECRET, valid), 24, async (input) => {
      const { status } = await send(agent, url, 'POST', input.headers, input.body);
      byLabel.set(input.label, (byLabel.get(input.label) ?? 0) + 1);
      if (!input.allowed.includes(status)) violations.push(`${input.label}: ${status} for ${input.body.toString('utf8').slice(0, 200)}`);
    });
    agent.destroy();
    expect(violations.slice(0, 10)).toEqual([]);
    expect([...byLabel.values()].reduce((a, b) => a + b)).toBe(COUNT);

    // Bodies over Bolt's 4 MB limit are refused before they are read: the answer comes while most is unsent.
    const signed = { 'content-type': 'application/json', ...signSlackRequest(SECRET, '{}') };
    expect(await sendDeclaredOnly(xiaoliu.port, '/slack/events', signed, 50 * 1024 * 1024, 64 * 1024)).toBe(413);

    // Still alive and answering: a real question gets its answer, and a replay of it is answered once.
    const mention = appMentionEvent({ channel: 'C-after', user: 'U1', text: '<@UBOT> are you still there? <!everyone>' });
    const mentionTs = mention.event.ts as string;
    for (let i = 0; i < 3; i++) expect((await sendSlackEvent(url, SECRET, mention)).status).toBe(200);
    await waitForAnswer(database.sql, `slack-T0FAKE-C-after-${mentionTs}`, 20_000);

    // Every question that got through is finished, answered or failed visibly; none is left in the queue.
    const redis = createRedis(TEST_REDIS_URL);
    const queue = new Queue(INBOUND_QUEUE, { connection: redis, prefix });
    try {
      await waitFor(
        'the queue to drain',
        async () => {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        30_000,
      );
    } finally {
      await queue.close();
      await redis.quit();
    }
    const [row] = await database.sql<{ handled: number }[]>`select count(*)::int as handled from inbound_deliveries`;
    expect(row!.handled).toBeGreaterThan(20); // hostile questions did reach the worker

    // Nothing Xiaoliu wrote can ping a channel.
    const written: SlackMessage[] = [...Array(CHANNELS).keys()]
      .flatMap((i) => [...slack.messages(`C${i}`), ...slack.messages(`D${i}`)])
      .concat(slack.messages('C-after'))
      .filter((m) => m.bot_id === 'BBOT');
    expect(written.length).toBeGreaterThan(20);
    expect(written.flatMap((m) => livePings(m.text, 'slack'))).toEqual([]);
    expect(slack.messages('C-after', mentionTs).filter((m) => m.bot_id === 'BBOT')).toHaveLength(1);

    expect(xiaoliu.exitCode()).toBeUndefined();
    expect(crashSigns(xiaoliu.output())).toEqual([]);
    // Bolt answers 500 to some mangled envelopes by itself; none of the 500s came from a listener of ours.
    expect(xiaoliu.output()).not.toMatch(/Slack listener failed/);
    expect((await fetch(`${xiaoliu.base}/health`)).status).toBe(200);
  }, 60_000);
});
