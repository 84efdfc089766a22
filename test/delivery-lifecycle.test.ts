import { randomBytes } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonDelivery, deliver, INTERNAL_ERROR, type Delivery, type DeliveryOutcome } from '../src/delivery/deliver.js';
import { UserFacingError } from '../src/domain/errors.js';
import { createRedis } from '../src/redis/create-redis.js';
import { claimDelivery } from '../src/store/claim-delivery.js';
import { saveMessage } from '../src/store/conversations.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

// The delivery lifecycle on its own (src/delivery/deliver.ts), run by a real BullMQ worker against real Redis and
// Postgres: for each way an attempt can end, what the user sees, how the delivery is marked, and that the job's hold
// is released and the adapter told exactly once — or not at all, when another run owns the message.

/** What one run of a job's answer step does; a job lists one per run (the last repeats). */
type Step = 'answer' | 'fail' | 'user-error' | 'database-down' | 'shutdown' | 'lock-lost';

interface TestJob {
  deliveryId: string;
  steps: Step[];
}

describe('delivery lifecycle', () => {
  let database: TestDatabase;
  let unreachable: postgres.Sql;
  const prefix = `xt-${randomBytes(4).toString('hex')}`;
  const queueName = 'lifecycle';
  const redis = createRedis(TEST_REDIS_URL);
  const queue = new Queue<TestJob>(queueName, { connection: redis, prefix });
  const egress = new RecordingEgress('shell');
  let worker: Worker<TestJob>;
  /** Per delivery: how often its answer step ran, what it released, how each attempt was counted. */
  const runs = new Map<string, number>();
  const released = new Map<string, string[]>();
  const counted = new Map<string, DeliveryOutcome[]>();

  const addressOf = (deliveryId: string) => ({ workspaceId: 'W-life', channelId: 'C-life', threadId: deliveryId });

  function deliveryFor(deliveryId: string): Delivery {
    return {
      id: deliveryId,
      platform: 'shell',
      address: addressOf(deliveryId),
      askerId: 'U-ann',
      egress,
      sql: database.sql,
      log: silentLogger(),
      async release(outcome) {
        released.set(deliveryId, [...(released.get(deliveryId) ?? []), outcome]);
      },
      count(outcome) {
        counted.set(deliveryId, [...(counted.get(deliveryId) ?? []), outcome]);
      },
    };
  }

  async function processor(job: Job<TestJob>, token: string | undefined): Promise<void> {
    const { deliveryId, steps } = job.data;
    const shutdown = new AbortController();
    const lockLost = new AbortController();
    await deliver(deliveryFor(deliveryId), { job, token, shutdown: shutdown.signal, lockLost: lockLost.signal }, async ({ claim, reply, signal }) => {
      const run = runs.get(deliveryId) ?? 0;
      runs.set(deliveryId, run + 1);
      const step = steps[Math.min(run, steps.length - 1)]!;
      await reply.start();
      reply.stream(`A first part of the answer, run ${run + 1}`);
      switch (step) {
        case 'answer': {
          const text = `The answer to ${deliveryId}`;
          await reply.finish(text);
          return { conversationId: claim.conversation.id, deliveryId, role: 'assistant', authorId: 'xiaoliu', authorName: 'Xiaoliu', text, tokens: 5 };
        }
        case 'fail':
          throw new Error('the model call failed');
        case 'user-error':
          throw new UserFacingError('That request is over your daily budget.');
        case 'database-down':
          // A real postgres.js error from a server that is not there.
          await unreachable`select 1`;
          throw new Error('unreachable: the query above must fail');
        case 'shutdown':
          shutdown.abort(new Error('worker shutting down'));
          throw signal.reason;
        case 'lock-lost':
          lockLost.abort(new Error('job lock lost'));
          throw signal.reason;
      }
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    unreachable = postgres('postgres://nobody@127.0.0.1:1/none', { max: 1, connect_timeout: 2, onnotice: () => {} });
    // A short job lock, so a job whose lock was lost is picked up again (as a stalled job) within a second or two.
    worker = new Worker<TestJob>(queueName, processor, { connection: redis, prefix, concurrency: 4, lockDuration: 1000, stalledInterval: 500 });
  });
  afterAll(async () => {
    await worker?.close();
    await queue.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await unreachable?.end();
    await database?.drop();
  });

  let counter = 0;
  async function run(steps: Step[], attempts = 3): Promise<{ deliveryId: string; job: Job<TestJob> }> {
    const deliveryId = `life-${++counter}-${steps.join('-')}`;
    const job = await queue.add('message', { deliveryId, steps }, { jobId: `j-${deliveryId}`, attempts, backoff: { type: 'fixed', delay: 50 } });
    await waitFor(`job ${deliveryId} to end`, async () => ['completed', 'failed'].includes(await job.getState()));
    return { deliveryId, job };
  }

  const statusOf = async (deliveryId: string) =>
    (await database.sql<{ status: string }[]>`select status from inbound_deliveries where id = ${deliveryId}`)[0]?.status;
  const storedAnswer = async (deliveryId: string) =>
    (await database.sql<{ text: string }[]>`select text from messages where delivery_id = ${deliveryId} and role = 'assistant'`)[0]?.text;
  const thread = (deliveryId: string) => egress.postsIn('C-life', deliveryId).map((post) => post.text);
  const doneCount = (deliveryId: string) => egress.doneDeliveries().filter((id) => id === deliveryId).length;

  it('answers: the answer in one message, stored with the delivery marked answered; released, and done, once', async () => {
    const { deliveryId, job } = await run(['answer']);
    expect(await job.getState()).toBe('completed');
    expect(thread(deliveryId)).toEqual([`The answer to ${deliveryId}`]);
    expect(await statusOf(deliveryId)).toBe('answered');
    expect(await storedAnswer(deliveryId)).toBe(`The answer to ${deliveryId}`);
    expect(released.get(deliveryId)).toEqual(['answered']);
    expect(doneCount(deliveryId)).toBe(1);
    expect(counted.get(deliveryId)).toEqual(['answered']);
  });

  it('answers a delivery seen again (a redelivery under another job) not at all: releases only', async () => {
    const { deliveryId } = await run(['answer']);
    const again = await queue.add('message', { deliveryId, steps: ['answer'] }, { jobId: `j-${deliveryId}-again` });
    await waitFor('the second job to end', async () => (await again.getState()) === 'completed');
    expect(runs.get(deliveryId)).toBe(1);
    expect(thread(deliveryId)).toHaveLength(1);
    expect(released.get(deliveryId)).toEqual(['answered', 'duplicate']);
    expect(doneCount(deliveryId)).toBe(1);
    expect(counted.get(deliveryId)).toEqual(['answered', 'duplicate']);
  });

  it('finishes, without answering again, a delivery whose answer an earlier run stored before dying', async () => {
    const deliveryId = `life-${++counter}-stored`;
    const { conversation } = await claimDelivery(database.sql, 'shell', addressOf(deliveryId), deliveryId);
    await saveMessage(database.sql, { conversationId: conversation.id, deliveryId, role: 'assistant', authorId: 'xiaoliu', authorName: 'Xiaoliu', text: 'posted before', tokens: 2 });
    const job = await queue.add('message', { deliveryId, steps: ['answer'] }, { jobId: `j-${deliveryId}` });
    await waitFor('the job to end', async () => (await job.getState()) === 'completed');
    expect(runs.get(deliveryId)).toBeUndefined();
    expect(await statusOf(deliveryId)).toBe('answered');
    expect(released.get(deliveryId)).toEqual(['answered_before']);
    expect(doneCount(deliveryId)).toBe(1);
  });

  it('shows a user error in place of the answer and does not retry it', async () => {
    const { deliveryId, job } = await run(['user-error']);
    expect(await job.getState()).toBe('completed');
    expect(runs.get(deliveryId)).toBe(1);
    expect(thread(deliveryId)).toEqual(['⚠️ That request is over your daily budget.']);
    expect(await statusOf(deliveryId)).toBe('answered');
    expect(released.get(deliveryId)).toEqual(['user_error']);
    expect(doneCount(deliveryId)).toBe(1);
    expect(counted.get(deliveryId)).toEqual(['user_error']);
  });

  it('retries a failed attempt, holding on to everything, and the retry edits the same message', async () => {
    const { deliveryId, job } = await run(['fail', 'answer']);
    expect(await job.getState()).toBe('completed');
    expect((await queue.getJob(job.id!))!.attemptsMade).toBe(2);
    expect(thread(deliveryId)).toEqual([`The answer to ${deliveryId}`]);
    expect(released.get(deliveryId)).toEqual(['answered']);
    expect(doneCount(deliveryId)).toBe(1);
    expect(counted.get(deliveryId)).toEqual(['retried', 'answered']);
  });

  it('gives up after the last attempt: the apology in place of the answer, marked failed, released and done once', async () => {
    const { deliveryId, job } = await run(['fail'], 2);
    expect(await job.getState()).toBe('failed');
    expect(runs.get(deliveryId)).toBe(2);
    expect(thread(deliveryId)).toEqual([`⚠️ ${INTERNAL_ERROR}`]);
    expect(await statusOf(deliveryId)).toBe('failed');
    expect(released.get(deliveryId)).toEqual(['failed']);
    expect(doneCount(deliveryId)).toBe(1);
    expect(counted.get(deliveryId)).toEqual(['retried', 'failed']);
  });

  it('waits for Postgres without spending an attempt', async () => {
    // One attempt only: had the outage cost it, the message would have failed.
    const { deliveryId, job } = await run(['database-down', 'database-down', 'answer'], 1);
    expect(await job.getState()).toBe('completed');
    expect(runs.get(deliveryId)).toBe(3);
    expect(thread(deliveryId)).toEqual([`The answer to ${deliveryId}`]);
    expect(released.get(deliveryId)).toEqual(['answered']);
    expect(counted.get(deliveryId)).toEqual(['answered']);
  });

  it('hands the job back at shutdown without spending an attempt or releasing anything; the next run finishes it', async () => {
    const { deliveryId, job } = await run(['shutdown', 'answer'], 1);
    expect(await job.getState()).toBe('completed');
    expect(runs.get(deliveryId)).toBe(2);
    expect(thread(deliveryId)).toEqual([`The answer to ${deliveryId}`]);
    expect(released.get(deliveryId)).toEqual(['answered']);
    expect(doneCount(deliveryId)).toBe(1);
    expect(counted.get(deliveryId)).toEqual(['answered']);
  });

  it('leaves everything to the next run when the job lock was lost: that run answers, in the same message', async () => {
    const { deliveryId, job } = await run(['lock-lost', 'answer'], 1);
    expect(await job.getState()).toBe('completed');
    expect(runs.get(deliveryId)).toBe(2);
    expect(thread(deliveryId)).toEqual([`The answer to ${deliveryId}`]);
    expect(released.get(deliveryId)).toEqual(['answered']);
    expect(doneCount(deliveryId)).toBe(1);
    expect(counted.get(deliveryId)).toEqual(['answered']);
  });

  it('tells the user about a job BullMQ gave up on, once; and says nothing for one answered meanwhile', async () => {
    const stalled = `life-${++counter}-stalled`;
    await abandonDelivery(deliveryFor(stalled), 'job stalled more than allowable limit');
    expect(thread(stalled)).toEqual([`⚠️ ${INTERNAL_ERROR}`]);
    expect(await statusOf(stalled)).toBe('failed');
    expect(released.get(stalled)).toEqual(['failed']);
    expect(doneCount(stalled)).toBe(1);

    const { deliveryId } = await run(['answer']);
    await abandonDelivery(deliveryFor(deliveryId), 'job stalled more than allowable limit');
    expect(thread(deliveryId)).toEqual([`The answer to ${deliveryId}`]);
    expect(await statusOf(deliveryId)).toBe('answered');
    expect(released.get(deliveryId)).toEqual(['answered', 'duplicate']);
    expect(doneCount(deliveryId)).toBe(1);
  });
});
