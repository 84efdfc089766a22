import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { appMentionEvent, sendSlackEvent } from '../fakes/slack-events.js';
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

// A real restart of Redis (a private redis-server, killed with SIGKILL and started again on its append-only file)
// while Slack events keep arriving and answers are streaming. The test plays Slack: an event that is not answered
// 200 is delivered again, with Slack's retry headers, until it is.

const SECRET = 'redis-restart-secret';
const QUESTIONS = 30;
/** Shorter than the outage below, so the jobs running when Redis died lose their locks and are run again. */
const LOCK_MS = 2500;
const OUTAGE_MS = 3500;

describe.skipIf(!hasRedisServer)('Redis restarted under load (private redis-server, Slack events, fake Slack)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let redis: PrivateRedis;
  let app: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Answers stream for about six seconds, so the ones started before Redis dies are still streaming after it is back.
    model = await startFakeAnthropic({ firstTokenDelayMs: 200, tokensPerSecond: 2 });
    // Thirty answers, some given twice after the restart, in seconds and in one workspace: more chat.update calls than
    // Slack's 50 a minute per workspace allow, so its windows are shrunk tenfold, in the fake and the app alike.
    slack = await startFakeSlack({ botToken: 'xoxb-test-token', timeScale: 0.1 });
    redis = await startPrivateRedis();
    const config = testConfig(database, model.url, {
      REDIS_URL: redis.url,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_RATE_TIME_SCALE: '0.1',
      WORKER_CONCURRENCY: '50',
      JOB_ATTEMPTS: '5',
      WORKER_LOCK_MS: String(LOCK_MS),
    });
    app = await startTestApp(config, []);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  it('refuses events while Redis is down (500, so Slack delivers again), loses none, and answers each once', async () => {
    const url = `http://127.0.0.1:${app.port}/slack/events`;
    const statuses = new Map<number, number>();
    /** Delivers an event as Slack does: again, a little later, while the answer is not 200 (bounded). */
    const deliver = async (event: ReturnType<typeof appMentionEvent>) => {
      for (let attempt = 0; attempt < 60; attempt++) {
        const retry: Record<string, string> = attempt === 0 ? {} : { 'x-slack-retry-num': String(attempt), 'x-slack-retry-reason': 'http_error' };
        const status = await sendSlackEvent(url, SECRET, event, retry).then(
          (response) => response.status,
          () => 0, // connection refused: counted, and delivered again
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error('an event was never accepted');
    };

    const events = Array.from({ length: QUESTIONS }, (_, i) =>
      appMentionEvent({ channel: `C${i}`, user: 'U1', text: `<@UBOT> question ${i}: is anything lost when Redis restarts?` }),
    );
    // One event every 100 ms; Redis is killed once answers are streaming (the model has been asked a few times: on a busy
    // machine the worker may take longer than a fixed second to start them, and a kill before that would test nothing
    // in flight), and comes back OUTAGE_MS later.
    const deliveries: Promise<void>[] = [];
    let killed!: () => void;
    const down = new Promise<void>((resolve) => (killed = resolve));
    const outage = (async () => {
      await waitFor('answers to be streaming', async () => model.requests.length >= 3, 20_000);
      await redis.stop('SIGKILL');
      killed();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await redis.start();
    })();
    // A third of the events before the kill, the rest once Redis is down, so some always meet the outage.
    for (const [i, event] of events.entries()) {
      if (i === QUESTIONS / 3) await down;
      deliveries.push(deliver(event));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await outage;
    await Promise.all(deliveries);

    const where = (e: (typeof events)[number]) => ({ channel: String(e.event.channel), ts: String(e.event.ts) });
    const ids = events.map((e) => `slack-T0FAKE-${where(e).channel}-${where(e).ts}`);
    const answered = async () =>
      Number((await database.sql`select count(*) as n from inbound_deliveries where id in ${database.sql(ids)} and status = 'answered'`)[0]!.n);
    await waitFor('every question to be answered', async () => (await answered()) === QUESTIONS, 40_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await answered()} of ${QUESTIONS}`);
    });

    // The outage reached the ingress: events were refused with a 500 and delivered again, never dropped with a 200.
    expect(statuses.get(500) ?? 0).toBeGreaterThan(0);
    // And the worker: answers in flight lost their job locks and were run again (asking the model again).
    expect(model.requests.length).toBeGreaterThan(QUESTIONS);
    expect([...statuses.keys()].every((status) => status === 200 || status === 500)).toBe(true);
    for (const [i, event] of events.entries()) {
      const replies = slack.messages(where(event).channel, where(event).ts).filter((m) => m.user === 'UBOT');
      expect(replies.map((m) => m.text), `question ${i}`).toEqual([expect.stringMatching(new RegExp(`^Echo: .*question ${i}: is anything lost`))]);
    }
  }, 60_000);
});
