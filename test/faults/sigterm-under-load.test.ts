import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayEvent } from '../../src/relay/relay-events.js';
import { relayedTexts } from '../support/relayed-texts.js';
import { createInboundProducer, jobIdFor, type InboundProducer } from '../../src/queue/inbound-queue.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { lastUserText } from '../fakes/fake-anthropic-wire.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { spawnProcess, type RunningProcess } from '../support/spawn-process.js';
import { inbound, TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { nodeArgsOf } from '../support/npm-script.js';

// SIGTERM (what `docker stop` and Kubernetes send) to a real worker process in the middle of a load: some answers
// finish within SHUTDOWN_TIMEOUT_MS, the rest are handed back, and questions it had not started stay queued. A second
// worker then answers everything left, in the messages already posted. Workers keep the production lock (30 s): a job
// left stalled instead of handed back would not be picked up again within this test's waits.

const QUESTIONS = 30;
const CONCURRENCY = 20;
const GRACE_MS = 2000;
const LONG_ANSWER = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

describe('SIGTERM to a worker under load (real processes, shell egress, fake model)', () => {
  const prefix = `xt-${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let model: FakeAnthropic;
  let redis: ReturnType<typeof createRedis>;
  let subscriber: ReturnType<typeof createRedis>;
  let producer: InboundProducer;
  const workers: RunningProcess[] = [];
  /** What the workers published to each terminal (one shell session per question). */
  const events = new Map<string, RelayEvent[]>();

  beforeAll(async () => {
    database = await createTestDatabase();
    // Short answers take about a second, long ones about six: longer than the grace period.
    model = await startFakeAnthropic({ firstTokenDelayMs: 200, tokensPerSecond: 10 });
    model.setReply((req) => {
      const text = lastUserText(req.body);
      return { kind: 'text', text: text.includes('long one') ? `Long: ${LONG_ANSWER}` : `Short: ${text}` };
    });
    redis = createRedis(TEST_REDIS_URL);
    producer = createInboundProducer({ redis, prefix, jobAttempts: 3 });
    subscriber = createRedis(TEST_REDIS_URL);
    subscriber.on('pmessage', (_pattern: string, channel: string, raw: string) => {
      const list = events.get(channel) ?? [];
      list.push(JSON.parse(raw) as RelayEvent);
      events.set(channel, list);
    });
    await subscriber.psubscribe(`${prefix}:shell:*`);
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await producer?.close();
    await subscriber?.quit();
    if (redis) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
    await model?.close();
    await database?.drop();
  });

  async function startWorker(): Promise<RunningProcess> {
    const worker = spawnProcess(nodeArgsOf('worker'), {
      SLACK_BOT_TOKEN: '',
      SLACK_APP_TOKEN: '',
      DISCORD_TOKEN: '',
      DATABASE_URL: database.url,
      MIGRATE_ON_START: 'false',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      ANTHROPIC_BASE_URL: model.url,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      SHUTDOWN_TIMEOUT_MS: String(GRACE_MS),
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    await waitFor('a worker to start', () => worker.output().includes('xiaoliu is up'), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${worker.output()}`);
    });
    return worker;
  }

  it('finishes or hands back every answer in flight, exits 0 in time, and a second worker completes the rest', async () => {
    const questions = Array.from({ length: QUESTIONS }, (_, i) => {
      const message = inbound(i % 2 ? `question ${i}, a long one` : `question ${i}, a short one`, { thread: undefined, kind: 'dm' });
      message.address = { workspaceId: 'W-term', channelId: `C${i}` };
      return message;
    });
    const ids = questions.map((q) => q.id);
    const answered = async () =>
      Number((await database.sql`select count(*) as n from inbound_deliveries where id in ${database.sql(ids)} and status = 'answered'`)[0]!.n);

    const first = await startWorker();
    for (const message of questions) await producer.enqueue(message);
    // SIGTERM once the first worker is answering as many as it may at once (the other questions wait in the queue).
    await waitFor('a full worker', () => model.requests.length >= CONCURRENCY, 20_000);
    first.child.kill('SIGTERM');
    // Bounded wait, not a timing assertion: the grace period plus room for closing connections on a busy machine.
    const code = await Promise.race([first.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), GRACE_MS + 15_000))]);
    expect(code, first.output().slice(-3000)).toBe(0);
    expect(first.output()).toContain('handing them back to the queue');
    expect(first.output()).toContain('shut down cleanly');
    const finishedByFirst = await answered();
    expect(finishedByFirst, 'short answers finish within the grace period').toBeGreaterThan(0);
    expect(finishedByFirst, 'long answers and unstarted questions are left for the next worker').toBeLessThan(QUESTIONS);

    const second = await startWorker();
    await waitFor('every question to be answered', async () => (await answered()) === QUESTIONS, 30_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await answered()} of ${QUESTIONS}\n${second.output().slice(-3000)}`);
    });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    for (const [i, message] of questions.entries()) {
      const published = events.get(`${prefix}:shell:W-term:C${i}`) ?? [];
      const expected = i % 2 ? `Long: ${LONG_ANSWER}` : `Short: [Ann] ${message.text}`;
      expect(published.filter((e) => e.type === 'open' || e.type === 'post'), `question ${i}: one message`).toHaveLength(1);
      expect([...relayedTexts(published).values()], `question ${i}: the whole answer, in that message`).toEqual([expected]);
      expect(published.filter((e) => e.type === 'done'), `question ${i}: completed once`).toHaveLength(1);
    }
    // Handed back, not stalled: no job was ever taken from a worker by the stalled-job check.
    const jobs = await Promise.all(ids.map((id) => producer.queue.getJob(jobIdFor(id))));
    expect(jobs.map((job) => job?.stalledCounter ?? -1)).toEqual(ids.map(() => 0));
  }, 90_000);
});
