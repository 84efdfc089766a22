import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app/start-app.js';
import type { Config } from '../../src/config/read-config.js';
import { checkStorage } from '../../src/ops/doctor/check-storage.js';
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
/** The message before which the replica stops receiving the replication stream. */
const HOLD_AT = 12;

describe.skipIf(!hasRedisServer)('Redis primary killed under load, Sentinel fails over (private primary, replica, 3 sentinels)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let redis: SentinelRedis;
  let app: RunningApp;
  let prefix: string;
  let config: Config;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Answers take a second or two, so some are streaming when the primary dies.
    model = await startFakeAnthropic({ firstTokenDelayMs: 200, tokensPerSecond: 10 });
    // Forty answers in a few seconds in one workspace: Slack's per-workspace windows shrunk tenfold, in the fake and
    // the app alike (as redis-restart does).
    slack = await startFakeSlack({ botToken: 'xoxb-test-token', timeScale: 0.1 });
    redis = await startSentinelRedis();
    config = testConfig(database, model.url, {
      ...redis.env,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_RATE_TIME_SCALE: '0.1',
      // Fewer answers at once than arrive, so questions wait in the queue: a waiting job is what a lost write loses
      // (one a worker has taken is answered from its memory).
      WORKER_CONCURRENCY: '4',
      JOB_ATTEMPTS: '5',
      // Longer than this machine could ever take between holding replication and the kill, so the messages queued in
      // between are still waiting for their confirmation when the primary dies (the default is 500 ms).
      REDIS_REPLICA_WAIT_MS: '5000',
    });
    prefix = config.queuePrefix;
    app = await startTestApp(config, []);
  }, 60_000);

  /** `npm run doctor`'s Redis lines, reached through the sentinels as the app reaches Redis. */
  const doctorRedisLines = async () =>
    (await checkStorage(config, 5000)).filter((line) => line.check.startsWith('Redis')).map((line) => `${line.status} ${line.check}: ${line.text}`);
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
    /** Per event index: each delivery's status, when it was sent and when answered. */
    const attempts = new Map<number, { status: number; sentAt: number; at: number }[]>();
    const deliver = async (i: number, event: ReturnType<typeof appMentionEvent>) => {
      for (let attempt = 0; attempt < 240; attempt++) {
        const retry: Record<string, string> = attempt === 0 ? {} : { 'x-slack-retry-num': String(attempt), 'x-slack-retry-reason': 'http_error' };
        const sentAt = Date.now();
        const status = await sendSlackEvent(url, SECRET, event, retry).then(
          (response) => response.status,
          () => 0,
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        attempts.set(i, [...(attempts.get(i) ?? []), { status, sentAt, at: Date.now() }]);
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
    expect(await doctorRedisLines()).toEqual([expect.stringMatching(/^ok Redis: primary "xiaoliu-test" via sentinels 127\.0\.0\.1:\d+, .* answers/)]);

    let killedAt = 0;
    let primaryOffsetAtKill = 0;
    let newPrimaryPort = 0;
    let failedOverAt = 0;
    const deliveries: Promise<void>[] = [];
    /** Once a message queued after the hold is on the primary (so on no replica) and still waiting, the primary dies. */
    const outage = async () => {
      const primary = new Redis({ port: redis.primaryPort, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
      primary.on('error', () => {});
      try {
        await waitFor(
          'a message queued after the hold to wait on the primary',
          async () => {
            const waiting = new Set(await primary.lrange(`${prefix}:inbound:wait`, 0, -1));
            return deliveryIds.slice(HOLD_AT, deliveries.length).some((id) => waiting.has(jobIdFor(id)));
          },
          30_000,
        );
        primaryOffsetAtKill = Number(/master_repl_offset:(\d+)/.exec(await primary.info('replication'))![1]);
      } finally {
        primary.disconnect();
      }
      killedAt = Date.now();
      await redis.killPrimary();
      newPrimaryPort = await redis.waitForFailover();
      failedOverAt = Date.now();
    };
    let outageDone: Promise<void> | undefined;
    for (const [i, event] of events.entries()) {
      if (i === HOLD_AT) {
        // The replica stops receiving between two messages, once every earlier one has been answered: none is left
        // half-confirmed, and every message from here on exists only on the primary.
        await waitFor('the messages so far to be acknowledged', () => [...Array(HOLD_AT).keys()].every((j) => attempts.has(j)), 30_000);
        redis.holdReplication();
        outageDone = outage();
      }
      deliveries.push(deliver(i, event));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await outageDone;
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
    const refusedAfterHold = [...attempts.entries()].filter(([i, tries]) => i >= HOLD_AT && tries[0]!.sentAt < killedAt && tries[0]!.status !== 200);
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

    // The doctor finds the new primary too, and that it has no replica left to fail over to.
    expect(await doctorRedisLines()).toEqual([
      expect.stringMatching(/^ok Redis: primary "xiaoliu-test" via sentinels/),
      expect.stringMatching(/^warn Redis replicas: the primary has no replica connected/),
    ]);

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
        `Deliveries: ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}; ${refusedAfterHold.length} question(s) queued on the dying primary only were refused and delivered again.`,
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
