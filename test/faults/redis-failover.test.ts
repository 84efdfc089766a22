import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app/start-app.js';
import { jobIdFor } from '../../src/queue/inbound-queue.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { appMentionEvent, sendSlackEvent } from '../fakes/slack-events.js';
import { hasRedisServer } from '../support/redis-server.js';
import { info, startSentinelRedis, type SentinelRedis } from '../support/redis-sentinel.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

// A real failover under load: a primary, a replica and three sentinels of the test's own (test/support/redis-sentinel.ts),
// the app (gateway and worker) configured with REDIS_SENTINELS only, Slack mentions arriving throughout, and the
// primary killed with SIGKILL mid-way. The test plays Slack: an event not answered 200 is delivered again, with
// Slack's retry headers, until it is.
//
// Replication is asynchronous, so the honest case is a replica that is behind when the primary dies: just before the
// kill the replication stream is held back, and the messages queued from then on exist only on the primary that is
// about to die. The gateway must not have told Slack those arrived (it waits for a replica to confirm each message,
// REDIS_REPLICA_WAIT_MS): Slack delivers them again, to the new primary.

const SECRET = 'redis-failover-secret';
const QUESTIONS = 40;

describe.skipIf(!hasRedisServer)('Redis primary killed under load, Sentinel fails over (private primary, replica, 3 sentinels)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let redis: SentinelRedis;
  let app: RunningApp;
  let prefix: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Answers take a second or two, so some are streaming when the primary dies.
    model = await startFakeAnthropic({ firstTokenDelayMs: 200, tokensPerSecond: 10 });
    // Forty answers in a few seconds in one workspace: Slack's per-workspace windows shrunk tenfold, in the fake and
    // the app alike (as redis-restart does).
    slack = await startFakeSlack({ botToken: 'xoxb-test-token', timeScale: 0.1 });
    redis = await startSentinelRedis();
    const config = testConfig(database, model.url, {
      ...redis.env,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_RATE_TIME_SCALE: '0.1',
      WORKER_CONCURRENCY: '50',
      JOB_ATTEMPTS: '5',
      // Longer than this machine could ever take between holding replication and the kill, so the messages queued in
      // between are still waiting for their confirmation when the primary dies (the default is 500 ms).
      REDIS_REPLICA_WAIT_MS: '5000',
    });
    prefix = config.queuePrefix;
    app = await startTestApp(config, []);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  it('loses no message, answers each once, and every connection follows the new primary', async () => {
    const url = `http://127.0.0.1:${app.port}/slack/events`;
    const statuses = new Map<number, number>();
    /** Per event index: the status of each delivery, and when each was answered. */
    const attempts = new Map<number, { status: number; at: number }[]>();
    const deliver = async (i: number, event: ReturnType<typeof appMentionEvent>) => {
      for (let attempt = 0; attempt < 240; attempt++) {
        const retry: Record<string, string> = attempt === 0 ? {} : { 'x-slack-retry-num': String(attempt), 'x-slack-retry-reason': 'http_error' };
        const status = await sendSlackEvent(url, SECRET, event, retry).then(
          (response) => response.status,
          () => 0,
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        attempts.set(i, [...(attempts.get(i) ?? []), { status, at: Date.now() }]);
        if (status === 200) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`event ${i} was never accepted`);
    };
    const events = Array.from({ length: QUESTIONS }, (_, i) =>
      appMentionEvent({ channel: `C${i}`, user: 'U1', text: `<@UBOT> question ${i}: is anything lost when Redis fails over?` }),
    );
    const where = (e: (typeof events)[number]) => ({ channel: String(e.event.channel), ts: String(e.event.ts) });
    const deliveryIds = events.map((e) => `slack-T0FAKE-${where(e).channel}-${where(e).ts}`);

    // The app's connections on the primary, by name, before it dies.
    const namesOn = async (port: number) => {
      const list = await clientList(port);
      return [...new Set(list.map((c) => c.name).filter((n) => n && !n.startsWith('sentinel-')))].sort();
    };
    const namesBefore = await namesOn(redis.primaryPort);

    let killedAt = 0;
    let sentBeforeHold = 0;
    let primaryOffsetAtKill = 0;
    let newPrimaryPort = 0;
    let failedOverAt = 0;
    const deliveries: Promise<void>[] = [];
    const outage = (async () => {
      // A third of the way in, the replica stops receiving; once a message queued after that is on the primary (and
      // so on no replica), the primary dies.
      await waitFor('a third of the events to be sent', () => deliveries.length >= QUESTIONS / 3, 30_000);
      sentBeforeHold = deliveries.length;
      redis.holdReplication();
      const primary = new Redis({ port: redis.primaryPort, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
      primary.on('error', () => {});
      try {
        // The primary dies once it holds a message the replica does not have.
        const replica = new Redis({ port: redis.replicaPort, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
        replica.on('error', () => {});
        await waitFor(
          'a message to be on the primary only',
          async () => {
            const keys = deliveryIds.slice(0, deliveries.length).map((id) => `${prefix}:inbound:${jobIdFor(id)}`);
            const [onPrimary, onReplica] = await Promise.all([primary, replica].map((r) => Promise.all(keys.map((k) => r.exists(k)))));
            return keys.some((_, i) => onPrimary![i] === 1 && onReplica![i] === 0);
          },
          30_000,
        ).finally(() => replica.disconnect());
        primaryOffsetAtKill = Number(/master_repl_offset:(\d+)/.exec(await primary.info('replication'))![1]);
      } finally {
        primary.disconnect();
      }
      killedAt = Date.now();
      await redis.killPrimary();
      newPrimaryPort = await redis.waitForFailover();
      failedOverAt = Date.now();
    })();
    for (const [i, event] of events.entries()) {
      deliveries.push(deliver(i, event));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await outage;
    await Promise.all(deliveries);

    const answered = async () =>
      Number((await database.sql`select count(*) as n from inbound_deliveries where id in ${database.sql(deliveryIds)} and status = 'answered'`)[0]!.n);
    await waitFor('every question to be answered', async () => (await answered()) === QUESTIONS, 60_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await answered()} of ${QUESTIONS}`);
    });

    // The premise: the promoted replica was behind, missing writes the old primary had acknowledged.
    const replicaOffsetAtPromotion = Number(/second_repl_offset:(-?\d+)/.exec(await info(newPrimaryPort, 'replication'))![1]) - 1;
    expect(replicaOffsetAtPromotion).toBeLessThan(primaryOffsetAtKill);
    // Messages queued in that gap were not acknowledged to Slack before the kill: each was refused and delivered again.
    const refusedAfterHold = [...attempts.entries()].filter(([i, tries]) => i >= sentBeforeHold && tries[0]!.status !== 200);
    expect(refusedAfterHold.length).toBeGreaterThan(0);
    expect([...statuses.keys()].every((status) => status === 200 || status === 500)).toBe(true);

    // Nothing lost, nothing answered twice: each question has exactly one reply, the whole answer.
    for (const [i, event] of events.entries()) {
      const replies = slack.messages(where(event).channel, where(event).ts).filter((m) => m.user === 'UBOT');
      expect(replies.map((m) => m.text), `question ${i}`).toEqual([expect.stringMatching(new RegExp(`^Echo: .*question ${i}: is anything lost`))]);
    }

    // Every connection the app had on the old primary is on the new one: each went through the sentinels.
    await waitFor('the app to reconnect everything to the new primary', async () => {
      const after = await namesOn(newPrimaryPort);
      return namesBefore.every((name) => after.includes(name));
    }, 30_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: before ${namesBefore.join(', ')}; after ${(await namesOn(newPrimaryPort)).join(', ')}`);
    });
    expect(namesBefore).toEqual(expect.arrayContaining(['xiaoliu', 'xiaoliu-ingress', 'xiaoliu-worker', 'xiaoliu-maintenance']));

    // Recorded, not asserted: how long the failover took to be felt.
    const firstAck = Math.min(...[...attempts.values()].flat().filter((a) => a.status === 200 && a.at > killedAt).map((a) => a.at));
    const [times] = await database.sql<{ anyAnswer: string | Date | null; newAnswer: string | Date | null }[]>`
      select
        min(finished_at) filter (where finished_at > ${new Date(killedAt).toISOString()}::timestamptz) as "anyAnswer",
        min(finished_at) filter (where received_at > ${new Date(killedAt).toISOString()}::timestamptz) as "newAnswer"
      from inbound_deliveries where id in ${database.sql(deliveryIds)} and status = 'answered'`;
    const since = (t: number | string | Date | null | undefined) => (t ? `${((new Date(t).getTime() - killedAt) / 1000).toFixed(2)} s` : 'n/a');
    console.log(
      [
        `redis-failover: primary killed; sentinels named the replica after ${since(failedOverAt)} (polled);`,
        `first event acknowledged (200) after ${since(firstAck)}; first answer finished after ${since(times?.anyAnswer)};`,
        `first answer to a question that arrived after the kill finished after ${since(times?.newAnswer)}.`,
        `Deliveries: ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}; ${refusedAfterHold.length} questions queued on the dying primary were refused and delivered again.`,
      ].join(' '),
    );
  }, 180_000);
});

async function clientList(port: number): Promise<{ name: string }[]> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const text = (await redis.client('LIST')) as string;
    return text.split('\n').filter(Boolean).map((line) => ({ name: /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '' }));
  } finally {
    redis.disconnect();
  }
}
