import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { TEST_REDIS_URL, inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

// Every cent is counted: each attempt of a model call is recorded, a call cut off at max_tokens is not paid for
// again, and concurrent requests cannot pass a daily budget together (issue 16, items 5 and 6). Real Postgres, Redis,
// BullMQ and Anthropic SDK against the fake Messages API.

const ASKER = { id: 'USPEND', name: 'Sam', isBot: false };
/** Haiku 4.5 does not think in chat, so a call's `max_tokens` is exactly CLAUDE_MAX_TOKENS. */
const MODEL = 'claude-haiku-4-5';
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('spending: every attempt recorded, budgets held before each call (real pipeline, fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: RecordingEgress;
  let app: RunningApp | undefined;
  let threads = 0;
  let prefix = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
  });
  afterAll(async () => {
    await model?.close();
    await database?.drop();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    model.setReply(() => ({ kind: 'text', text: 'an answer' }));
    model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 0 });
  });

  async function start(env: Record<string, string> = {}) {
    slack = new RecordingEgress('slack');
    const config = testConfig(database, model.url, { CLAUDE_MODEL: MODEL, ...env });
    prefix = config.queuePrefix;
    app = await startTestApp(config, [slack]);
  }

  /** Sends a Slack message in a thread of its own, in workspace `workspace`; resolves with it once answered. */
  async function send(text: string, workspace: string): Promise<InboundMessage> {
    const message = inbound(text, { platform: 'slack', author: ASKER, address: { workspaceId: workspace, channelId: 'C1', threadId: `th-${++threads}` } });
    await app!.producer.enqueue(message);
    return message;
  }
  const answered = (message: InboundMessage) => waitFor(`the answer to ${message.id}`, () => slack.doneDeliveries().includes(message.id), 60_000);
  const answerTo = (message: InboundMessage) => slack.postsIn('C1', message.address.threadId)[0]!.text;
  const rowsOf = (deliveryId: string) =>
    database.sql<{ input: number; output: number; cost: number }[]>`
      select input_tokens as input, output_tokens as output, cost_usd::float8 as cost from usage where delivery_id = ${deliveryId} order by id`;

  it('stops at a tool call cut off at max_tokens: one call, recorded, and the user told why and what to do', async () => {
    await start({ CLAUDE_MAX_TOKENS: '50' });
    // Claude hands the request to the doc skill with a long restatement that does not fit in 50 tokens: the stream
    // stops mid tool input with stop_reason max_tokens (the fake cuts it as the API does).
    model.setReply(() => ({ kind: 'tool_use', name: 'use_doc_skill', input: { request: words(200) } }));
    const before = model.requests.length;
    const message = await send('write our onboarding guide, every detail of it', 'T-cut');
    await answered(message);
    expect(model.requests.length - before).toBe(1);
    expect(answerTo(message)).toMatch(/reached the length limit of 50 tokens before it was complete.*Try asking for something shorter, or split it into parts/);
    const rows = await rowsOf(message.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.output).toBe(50);
    expect(rows[0]!.input).toBeGreaterThan(0);
    expect(rows[0]!.cost).toBeGreaterThan(0);
  });

  it('records the usage of every attempt, the failed ones included, as far as their streams got', async () => {
    await start();
    // First attempt: the stream starts (message_start carries the input tokens) and then fails midway; the retry
    // answers. Both were billed.
    model.enqueue({ kind: 'midstream-error', textBefore: 'half an', errorType: 'overloaded_error' }, { kind: 'disconnect', textBefore: 'another half' });
    const message = await send('a question', 'T-retry');
    await answered(message);
    expect(answerTo(message)).toBe('an answer');
    const rows = await rowsOf(message.id);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.input).toBeGreaterThan(0);
    // The failed attempts ended before their message_delta: the output they report is message_start's.
    expect(rows.map((r) => r.output)).toEqual([1, 1, 2]);
  });

  it('lets 50 concurrent requests spend no more than the daily limit plus one call, refusing the rest readably', async () => {
    const limit = 2_000;
    await start({ LIMIT_WORKSPACE_DAILY: `${limit} tokens`, CLAUDE_MAX_TOKENS: '200', WORKER_CONCURRENCY: '10' });
    // Every answer runs to its max_tokens, so each call spends close to its worst case, and takes a while to stream.
    model.setReply(() => ({ kind: 'text', text: words(400) }));
    model.setTiming({ tokensPerSecond: 2_000 });
    const before = model.requests.length;
    const messages = await Promise.all(Array.from({ length: 50 }, (_, i) => send(`question ${i}`, 'T-burst')));
    await Promise.all(messages.map(answered));
    const texts = messages.map(answerTo);
    const ok = texts.filter((t) => t.startsWith('word0'));
    const refused = texts.filter((t) => !t.startsWith('word0'));
    for (const text of refused) {
      expect(text).toMatch(/This workspace has reached the daily limit of 2,000 tokens|held by answers still being written; try again when they are done\. \(Daily limit 2,000 tokens for this workspace/);
    }
    const [spent] = await database.sql<{ tokens: number; calls: number; largest: number }[]>`
      select sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::int as tokens, count(*)::int as calls,
        max(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::int as largest
      from usage where workspace_id = 'T-burst'`;
    // The documented bound (README, Budgets): the limit, plus the one call let through with less than its worst case left.
    expect(spent!.tokens).toBeLessThanOrEqual(limit + spent!.largest);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThanOrEqual(40);
    expect(spent!.calls).toBe(ok.length);
    expect(model.requests.length - before).toBe(ok.length);
    console.info(`50 concurrent requests, limit ${limit} tokens: ${ok.length} answered, ${refused.length} refused, ${spent!.tokens} tokens recorded (largest call ${spent!.largest})`);
  });

  it("drops a dead worker's reservation once it lapses, and honours a live one", async () => {
    await start({ LIMIT_WORKSPACE_DAILY: '5000 tokens' });
    const redis = new Redis(TEST_REDIS_URL);
    onTestFinished(async () => void (await redis.quit()));
    const key = `${prefix}:budget:held:workspace:slack:T-held`;
    // Held by a call on a worker that died ten minutes ago: its entry expired, and nothing renews it.
    await redis.hset(key, 'dead-worker-call', `${Date.now() - 1_000} 0 5000`);
    const first = await send('hello', 'T-held');
    await answered(first);
    expect(answerTo(first)).toBe('an answer');
    expect(await redis.hexists(key, 'dead-worker-call')).toBe(0);
    // Held by a call still in flight: the rest of the budget is taken.
    await redis.hset(key, 'live-call', `${Date.now() + 60_000} 0 5000`);
    const second = await send('hello again', 'T-held');
    await answered(second);
    expect(answerTo(second)).toMatch(/The rest of this workspace's daily budget is held by answers still being written/);
  });
});
