import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import type { RunningApp } from '../src/app/start-app.js';
import type { Config } from '../src/config/read-config.js';
import { startMaintenance } from '../src/maintenance/start-maintenance.js';
import { jobIdFor } from '../src/queue/inbound-queue.js';
import { runIdFor, runKey } from '../src/skills/parallel/parallel-runs.js';
import { startFakeAnthropic, type FakeAnthropic, type ReplyFn } from './fakes/fake-anthropic.js';
import { lastUserText } from './fakes/fake-anthropic-wire.js';
import { readSse, type SseEvent } from './support/read-sse.js';
import { keysHolding } from './support/redis-contents.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

/** A word that appears only where a test put it: in a question, and so in everything made from it. */
const marker = (what: string) => `${what}${randomBytes(4).toString('hex')}`;

/**
 * The model: a plan for `parallel` (two sub-tasks), each sub-task's and the merge's answer quoting the request's
 * marker (so the results the parallel queues keep carry it too), and an echo for anything else.
 */
const reply: ReplyFn = (req) => {
  const text = lastUserText(req.body);
  const quoted = /\b(?:secret|forgotten|aged|kept)[0-9a-f]{8}\b/.exec(text)?.[0] ?? '';
  if (req.body.output_config?.format?.schema?.properties?.subtasks) {
    const subtasks = [1, 2].map((n) => ({ title: `Part ${n}`, instructions: `Do part ${n} of ${quoted}.` }));
    return { kind: 'tool_use', name: 'plan_subtasks', input: { goal: `Work on ${quoted}`, subtasks } };
  }
  if (/^Sub-task \d+ of \d+/.test(text)) return { kind: 'text', text: `A result about ${quoted}.` };
  if (text.startsWith('Original request:')) return { kind: 'text', text: `Merged results about ${quoted}.` };
  return { kind: 'text', text: `Echo: ${text}` };
};

describe('deleted means deleted: DELETE, forget me and retention reach in-flight answers and Redis (real pipeline)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let app: RunningApp;
  let config: Config;
  let redis: Redis;
  let base: string;
  let keys: Record<'ann' | 'bo', string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ reply });
    config = testConfig(database, model.url, { PARALLEL_CONFIRM_USD: '1000' });
    app = await startTestApp(config, []);
    redis = new Redis(TEST_REDIS_URL);
    base = `http://127.0.0.1:${app.port}`;
    keys = { ann: (await createApiKey(database.sql, 'ann', 'test')).key, bo: (await createApiKey(database.sql, 'bo', 'test')).key };
  });
  afterAll(async () => {
    await app?.close();
    await redis?.quit();
    await model?.close();
    await database?.drop();
  });

  const chat = async (who: 'ann' | 'bo', message: string, conversationId?: string) => {
    const response = await fetch(`${base}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys[who]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message, ...(conversationId ? { conversation_id: conversationId } : {}) }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { conversation_id: string; answer: string };
  };
  const remove = (who: 'ann' | 'bo', conversationId: string) =>
    fetch(`${base}/v1/conversations/${conversationId}`, { method: 'DELETE', headers: { authorization: `Bearer ${keys[who]}` } });
  /** Where Redis still holds the text, under this test's prefix. */
  const inRedis = (text: string) => keysHolding(redis, config.queuePrefix, text);
  /** Where Postgres still holds the text: messages and held messages. */
  const inPostgres = async (text: string) => {
    const [row] = await database.sql<{ messages: number; held: number }[]>`
      select (select count(*)::int from messages where text like ${`%${text}%`}) as messages,
        (select count(*)::int from held_messages where message::text like ${`%${text}%`}) as held`;
    return row!;
  };
  /** Starts a parallel run in a conversation and waits for its merged answer. */
  const parallelRun = async (who: 'ann' | 'bo', secret: string) => {
    const started = await chat(who, `parallel write the two parts of ${secret}`);
    await waitFor('the merged answer', async () => (await inPostgres(`Merged results about ${secret}`)).messages === 1, 20_000);
    return started.conversation_id;
  };

  it('lets DELETE win over an answer being written: the model call is aborted, nothing is retried, stored or recreated', async () => {
    const secret = marker('secret');
    let resume!: () => void;
    model.enqueue({ kind: 'paused', textBefore: `The first half of ${secret} `, textAfter: 'and the second half.', resume: new Promise<void>((r) => (resume = r)) });
    const requestsBefore = model.requests.length;
    const response = await fetch(`${base}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.ann}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: `tell me about ${secret}` }),
    });
    const events: SseEvent[] = [];
    const reading = readSse(response, events);
    await waitFor('the first half of the answer', () => events.some((e) => e.event === 'delta' && e.data.text.includes('first half')));
    const conversationId = events.find((e) => e.event === 'start')!.data.conversation_id as string;
    const [delivery] = await database.sql<{ id: string }[]>`select delivery_id as id from messages where text = ${`tell me about ${secret}`}`;

    expect((await remove('ann', conversationId)).status).toBe(204);
    // Deletion stops the answer at once: its model call is aborted while the model is still writing.
    await waitFor('the model call to be aborted', () => model.activeStreams() === 0);
    resume();
    await reading;
    expect(events.at(-1)).toEqual({ event: 'error', data: { error: expect.objectContaining({ code: 'conversation_deleted' }), conversation_id: conversationId } });

    // The job ends for good after its one attempt: not retried, the model not asked again, nothing made again.
    const job = (await app.producer.queue.getJob(jobIdFor(delivery!.id)))!;
    await waitFor('the job to end', async () => ['completed', 'failed'].includes(await job.getState()));
    expect(await job.getState()).toBe('completed');
    expect((await app.producer.queue.getJob(jobIdFor(delivery!.id)))!.attemptsMade).toBe(1);
    expect(model.requests.length - requestsBefore).toBe(1);
    expect(await database.sql`select id from conversations where thread_id = ${conversationId}`).toEqual([]);
    expect(await inPostgres(secret)).toEqual({ messages: 0, held: 0 });
    const [row] = await database.sql`select status from inbound_deliveries where id = ${delivery!.id}`;
    expect(row!.status).toBe('deleted');
    expect(await inRedis(secret)).toEqual([]);
    expect((await fetch(`${base}/v1/conversations/${conversationId}`, { headers: { authorization: `Bearer ${keys.ann}` } })).status).toBe(404);
  });

  it("DELETE takes the conversation's text out of Redis too: its finished jobs and its parallel run", async () => {
    const secret = marker('secret');
    const kept = marker('kept');
    const { conversation_id: conversationId } = await chat('ann', `what is ${secret}?`);
    await chat('ann', `parallel write the two parts of ${secret}`, conversationId);
    await waitFor('the merged answer', async () => (await inPostgres(`Merged results about ${secret}`)).messages === 1, 20_000);
    await chat('bo', `what is ${kept}?`);
    // Before: the question, the run's request and plan, and its results are all in Redis.
    expect((await inRedis(secret)).length).toBeGreaterThan(0);

    expect((await remove('ann', conversationId)).status).toBe(204);
    expect(await inRedis(secret)).toEqual([]);
    expect(await inPostgres(secret)).toEqual({ messages: 0, held: 0 });
    // Someone else's conversation is untouched.
    expect((await inRedis(kept)).length).toBeGreaterThan(0);
  });

  it("forget me takes the person's text out of Redis and out of the messages held for Redis, and no one else's", async () => {
    const forgotten = marker('forgotten');
    const kept = marker('kept');
    await chat('bo', `what is ${forgotten}?`);
    await parallelRun('bo', forgotten);
    await chat('ann', `what is ${kept}?`);
    // A message of Bo's a gateway held while Redis refused it (held_messages, src/ingress/held-messages.ts).
    const held = { v: 1, id: `slack-T1-C1-${Date.now()}.000100`, platform: 'http', kind: 'dm', address: { workspaceId: 'api', channelId: 'bo', threadId: 't' }, author: { id: 'bo', name: 'bo', isBot: false }, text: `held ${forgotten}`, attachments: [], sentAt: new Date().toISOString() };
    await database.sql`insert into held_messages (id, message, set_aside_at, error) values (${held.id}, ${JSON.stringify(held)}::jsonb, now(), 'OOM')`;
    expect((await inRedis(forgotten)).length).toBeGreaterThan(0);

    const done = await chat('bo', 'forget me');
    expect(done.answer).toMatch(/^Done: I deleted \d+ of your messages/);
    expect(await inRedis(forgotten)).toEqual([]);
    expect(await inPostgres(forgotten)).toEqual({ messages: 0, held: 0 });
    expect((await inRedis(kept)).length).toBeGreaterThan(0);
  });

  it('retention takes what Redis keeps of messages older than RETENTION_DAYS: finished jobs and parallel runs', async () => {
    const aged = marker('aged');
    const kept = marker('kept');
    await chat('ann', `what is ${aged}?`);
    await parallelRun('ann', aged);
    await chat('ann', `what is ${kept}?`);
    // Made old as if written 100 days ago: the finished jobs (BullMQ orders them by when they finished) and the run.
    const long = Date.now() - 100 * 24 * 3600_000;
    const [row] = await database.sql<{ id: string }[]>`select delivery_id as id from messages where role = 'user' and text = ${`write the two parts of ${aged}`}`;
    await redis.hset(runKey(config.queuePrefix, runIdFor(row!.id)), 'touchedAt', long);
    for (const queue of ['inbound', 'parallel-subtasks', 'parallel-merge']) {
      for (const state of ['completed', 'failed']) {
        const key = `${config.queuePrefix}:${queue}:${state}`;
        for (const id of await redis.zrange(key, '0', '-1')) {
          const data = await redis.hget(`${config.queuePrefix}:${queue}:${id}`, 'data');
          if (data?.includes(aged) || id.startsWith(runIdFor(row!.id))) await redis.zadd(key, 'XX', long, id);
        }
      }
    }
    expect((await inRedis(aged)).length).toBeGreaterThan(0);

    const maintenance = await startMaintenance({ config, sql: database.sql, log: silentLogger() }, { everyMs: 300 });
    try {
      await waitFor('retention to reach Redis', async () => (await inRedis(aged)).length === 0);
    } finally {
      await maintenance.close();
    }
    expect((await inRedis(kept)).length).toBeGreaterThan(0);
  });
});
