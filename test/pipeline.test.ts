import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import { jobIdFor } from '../src/queue/inbound-queue.js';
import { PLACEHOLDER } from '../src/render/reply-writer.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

describe('the message pipeline (real Postgres, Redis, BullMQ and Anthropic SDK; fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let platform: RecordingEgress;
  let app: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
  });
  afterAll(async () => {
    await model?.close();
    await database?.drop();
  });

  async function start(env: Record<string, string> = {}, limits?: RecordingEgress['limits']) {
    platform = new RecordingEgress('shell', limits);
    app = await startTestApp(testConfig(database, model.url, env), [platform]);
  }
  afterEach(async () => {
    await app?.close();
    model.setReply((req) => ({ kind: 'text', text: `Echo: ${lastUserText(req.body)}` }));
    model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 0 });
  });

  it('answers in the thread it was asked in, streaming into one message, and stores what was said', async () => {
    await start();
    model.setTiming({ tokensPerSecond: 400 });
    model.enqueue({ kind: 'text', text: 'Postgres passwords rotate with ALTER ROLE; do it in a transaction. '.repeat(3).trim() });
    const message = inbound('how do I rotate a Postgres password?', { thread: 'T-stream' });
    await app.producer.enqueue(message);
    await waitFor('the answer', () => platform.doneDeliveries().includes(message.id));

    const posts = platform.postsIn('C1', 'T-stream');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toMatch(/^Postgres passwords rotate with ALTER ROLE;.*transaction\.$/);
    const edits = platform.calls.filter((c) => c.op === 'edit');
    expect(platform.calls.find((c) => c.op === 'post')).toMatchObject({ text: PLACEHOLDER });
    expect(edits.length).toBeGreaterThan(1); // streamed: partial edits before the final one

    const rows = await database.sql`select role, author_name, text from messages order by id`;
    expect(rows.slice(-2)).toEqual([
      { role: 'user', author_name: 'Ann', text: 'how do I rotate a Postgres password?' },
      { role: 'assistant', author_name: 'Xiaoliu', text: posts[0]!.text },
    ]);
    const [usage] = await database.sql`select user_id, model, input_tokens, output_tokens, cost_usd from usage where delivery_id = ${message.id}`;
    expect(usage).toMatchObject({ user_id: 'U1', model: 'claude-sonnet-5-5' });
    expect(usage!.output_tokens).toBeGreaterThan(0);
    expect(Number(usage!.cost_usd)).toBeGreaterThan(0);
  });

  it('asks the model while the placeholder is still being posted, and still answers in that one message', async () => {
    await start();
    platform.postDelayMs = 400; // a slow platform API
    model.setTiming({ tokensPerSecond: 400 });
    const message = inbound('a question on a slow platform', { thread: 'T-slow' });
    await app.producer.enqueue(message);
    await waitFor('the answer', () => platform.doneDeliveries().includes(message.id));

    const request = model.requests.find((r) => lastUserText(r.body).includes('a question on a slow platform'))!;
    const placeholder = platform.calls.find((c) => c.op === 'post' && c.address.threadId === 'T-slow') as { at: number; text: string };
    expect(placeholder.text).toBe(PLACEHOLDER);
    expect(request.at).toBeLessThan(placeholder.at); // the model did not wait for the platform
    expect(platform.postsIn('C1', 'T-slow').map((p) => p.text)).toEqual(['Echo: [Ann] a question on a slow platform']);
  });

  it('answers two messages of one thread in order, the second seeing the first answer', async () => {
    await start();
    model.setTiming({ firstTokenDelayMs: 150 });
    const first = inbound('first question', { thread: 'T-order' });
    const second = inbound('second question', { thread: 'T-order', author: { id: 'U2', name: 'Bo', isBot: false } });
    await Promise.all([app.producer.enqueue(first), app.producer.enqueue(second)]);
    await waitFor('both answers', () => platform.doneDeliveries().includes(second.id));

    expect(platform.doneDeliveries().filter((id) => id === first.id || id === second.id)).toEqual([first.id, second.id]);
    const secondRequest = model.requests.at(-1)!.body as { messages: { role: string; content: { text: string }[] }[] };
    const seen = secondRequest.messages.map((m) => `${m.role}: ${m.content.map((b) => b.text).join(' | ')}`);
    expect(seen).toEqual(['user: [Ann] first question', 'assistant: Echo: [Ann] first question', 'user: [Bo] second question']);
  });

  it('never runs two messages of a thread at once, even when an earlier one is queued late', async () => {
    await start();
    model.setTiming({ firstTokenDelayMs: 400 });
    const now = Date.now();
    const later = inbound('sent second, queued first', { thread: 'T-late', sentAt: new Date(now).toISOString() });
    const earlier = inbound('sent first, queued late', { thread: 'T-late', sentAt: new Date(now - 5000).toISOString() });
    const before = model.requests.length;
    await app.producer.enqueue(later);
    await waitFor('the first model request', () => model.requests.length > before);
    await app.producer.enqueue(earlier); // e.g. a platform redelivery: it heads the line while `later` is running
    await waitFor('both answers', () => platform.doneDeliveries().includes(earlier.id) && platform.doneDeliveries().includes(later.id));
    // It waited for the running answer to finish: that answer is in the history it was sent with.
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('Echo: [Ann] sent second, queued first');
  });

  it('marks the stable prefix for prompt caching, so a follow-up reads the earlier turns from the cache', async () => {
    await start();
    model.enqueue({ kind: 'text', text: 'A first answer that is long enough to be worth caching. '.repeat(20) });
    const turns = ['first', 'second', 'third'].map((text) => inbound(text, { thread: 'T-cache' }));
    for (const turn of turns) await app.producer.enqueue(turn);
    await waitFor('three answers', () => platform.doneDeliveries().includes(turns[2]!.id));
    const rows = await database.sql<{ deliveryId: string; write: number; read: number }[]>`
      select delivery_id as "deliveryId", cache_write_tokens as write, cache_read_tokens as read
      from usage where delivery_id in ${database.sql(turns.map((t) => t.id))} order by id`;
    expect(rows.map((r) => r.deliveryId)).toEqual(turns.map((t) => t.id));
    const [first, second, third] = [rows[0]!, rows[1]!, rows[2]!];
    expect(first.write + first.read).toBeGreaterThan(0); // the system prompt (cached already if an earlier test wrote it)
    expect(second.write).toBeGreaterThan(200); // the long first turn, written to the cache
    expect(third.read).toBeGreaterThan(second.read + 200); // and read back by the next follow-up
  });

  it('answers a redelivered message exactly once, even after its job is gone from Redis', async () => {
    await start();
    const message = inbound('only once please', { thread: 'T-dupe' });
    await Promise.all([app.producer.enqueue(message), app.producer.enqueue(message), app.producer.enqueue(message)]);
    await waitFor('the answer', () => platform.doneDeliveries().includes(message.id));
    // The platform redelivers long after: BullMQ has trimmed the job, so only Postgres remembers it.
    await app.producer.queue.remove(jobIdFor(message.id));
    await app.producer.enqueue(message);
    const later = inbound('next question', { thread: 'T-dupe' });
    await app.producer.enqueue(later);
    await waitFor('the next answer', () => platform.doneDeliveries().includes(later.id));

    expect(platform.postsIn('C1', 'T-dupe').map((p) => p.text)).toEqual(['Echo: [Ann] only once please', expect.stringMatching(/next question/)]);
    expect(model.requests.filter((r) => JSON.stringify(r.body).includes('only once please')).length).toBe(2); // asked once, then as history
  });

  it('edits the reply it already posted when a job fails after posting and is retried', async () => {
    await start();
    const message = inbound('survive a platform hiccup', { thread: 'T-retry' });
    platform.failNext('edit', 1, (text) => text.startsWith('Echo:')); // the final edit fails: the job fails and retries
    await app.producer.enqueue(message);
    await waitFor('the answer', () => platform.doneDeliveries().includes(message.id), 20_000);

    const posts = platform.postsIn('C1', 'T-retry');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toBe('Echo: [Ann] survive a platform hiccup');
  });

  it('stops asking the model when the placeholder cannot be posted, and answers once on the retry', async () => {
    await start();
    model.setTiming({ firstTokenDelayMs: 1500 }); // still thinking when the placeholder fails
    const message = inbound('a question whose placeholder fails', { thread: 'T-nopost' });
    platform.postDelayMs = 200;
    platform.failNext('post', 1, (text) => text === PLACEHOLDER);
    await app.producer.enqueue(message);
    await waitFor('the answer', () => platform.doneDeliveries().includes(message.id), 20_000);

    expect(platform.postsIn('C1', 'T-nopost').map((p) => p.text)).toEqual(['Echo: [Ann] a question whose placeholder fails']);
    // The first attempt's model call was cut off when its placeholder failed, before any of its answer: it is charged
    // only what its stream had reported (the prompt, and message_start's first output token), and recorded as such.
    const usage = await database.sql<{ output: number }[]>`select output_tokens as output from usage where delivery_id = ${message.id} order by id`;
    expect(usage.map((u) => u.output)).toEqual([1, expect.any(Number)]);
    expect(usage[1]!.output).toBeGreaterThan(1);
  });

  it('tells the user in the thread when Claude fails on every attempt', async () => {
    await start({ CLAUDE_MAX_ATTEMPTS: '3' });
    model.setReply(() => ({ kind: 'status', status: 529, errorType: 'overloaded_error', retryAfterSeconds: 0.01 }));
    const message = inbound('are you there?', { thread: 'T-down' });
    const before = model.requests.length;
    await app.producer.enqueue(message);
    await waitFor('the error reply', () => platform.doneDeliveries().includes(message.id));

    expect(model.requests.length - before).toBe(3);
    const posts = platform.postsIn('C1', 'T-down');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toMatch(/^⚠️ Claude is busy right now/);
  });

  it('recovers when the stream breaks midway, replacing the partial text', async () => {
    await start();
    model.enqueue({ kind: 'midstream-error', textBefore: 'Half an ans', errorType: 'overloaded_error' });
    model.enqueue({ kind: 'disconnect', textBefore: 'Another half' });
    const message = inbound('finish your sentence', { thread: 'T-mid' });
    await app.producer.enqueue(message);
    await waitFor('the answer', () => platform.doneDeliveries().includes(message.id));
    expect(platform.postsIn('C1', 'T-mid').map((p) => p.text)).toEqual(['Echo: [Ann] finish your sentence']);
  });

  it('forgets the thread on reset and says so', async () => {
    await start();
    const q1 = inbound('note the word banana', { thread: 'T-reset' });
    const reset = inbound('reset', { thread: 'T-reset' });
    const q2 = inbound('what word?', { thread: 'T-reset' });
    for (const m of [q1, reset, q2]) await app.producer.enqueue(m);
    await waitFor('three replies', () => platform.doneDeliveries().includes(q2.id));

    const texts = platform.postsIn('C1', 'T-reset').map((p) => p.text);
    expect(texts[1]).toMatch(/forgotten/);
    const lastRequest = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(lastRequest).not.toContain('banana');
    expect(lastRequest).toContain('what word?');
  });

  it('lists its commands on help, and treats "help me …" as a question', async () => {
    await start();
    const help = inbound('help', { thread: 'T-help' });
    const question = inbound('help me name a cat', { thread: 'T-help' });
    await app.producer.enqueue(help);
    await app.producer.enqueue(question);
    await waitFor('two replies', () => platform.doneDeliveries().includes(question.id));
    const [helpText, answer] = platform.postsIn('C1', 'T-help').map((p) => p.text);
    expect(helpText).toMatch(/help/);
    expect(helpText).toMatch(/reset/);
    expect(helpText).toMatch(/ask/);
    expect(answer).toBe('Echo: [Ann] help me name a cat');
  });

  it('splits a long answer into several messages without breaking a code block, or attaches it when too long', async () => {
    await start({}, { maxMessageChars: 300, editIntervalMs: 20, maxParts: 3 });
    const code = Array.from({ length: 30 }, (_, i) => `const line${i} = ${i};`).join('\n');
    model.enqueue({ kind: 'text', text: `Here you go:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nDone.` });
    const split = inbound('show code', { thread: 'T-split' });
    await app.producer.enqueue(split);
    await waitFor('the split answer', () => platform.doneDeliveries().includes(split.id));
    const parts = platform.postsIn('C1', 'T-split').map((p) => p.text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(300);
      expect((part.match(/```/g) ?? []).length % 2).toBe(0);
    }

    model.enqueue({ kind: 'text', text: 'word '.repeat(1000) });
    const huge = inbound('write a lot', { thread: 'T-huge' });
    await app.producer.enqueue(huge);
    await waitFor('the attached answer', () => platform.doneDeliveries().includes(huge.id));
    const upload = platform.calls.find((c) => c.op === 'upload' && c.address.threadId === 'T-huge');
    expect(upload).toMatchObject({ file: { filename: 'answer.md', mimeType: 'text/markdown' } });
    expect(platform.postsIn('C1', 'T-huge')[0]!.text).toMatch(/attached as `answer.md`/);
  });

  it('serves health publicly, and readiness and Prometheus metrics on the operator port only', async () => {
    await start();
    const message = inbound('count me', { thread: 'T-metrics' });
    await app.producer.enqueue(message);
    await waitFor('the answer', () => platform.doneDeliveries().includes(message.id));
    const publicBase = `http://127.0.0.1:${app.port}`;
    expect(await (await fetch(`${publicBase}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${publicBase}/metrics`)).status).toBe(404);
    expect((await fetch(`${publicBase}/ready`)).status).toBe(404);
    const base = `http://127.0.0.1:${app.metricsPort}`;
    expect(app.metricsPort).not.toBe(app.port);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { postgres: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/xiaoliu_jobs_total\{platform="shell",command="ask",outcome="answered"\} 1/);
    expect(metrics).toMatch(/xiaoliu_claude_tokens_total\{kind="output"\} [1-9]/);
    expect(metrics).toMatch(/xiaoliu_queue_depth\{state="waiting"\} 0/);
    expect(metrics).toMatch(/xiaoliu_claude_request_duration_seconds_count\{outcome="ok"\} 1/);
  });
});

function lastUserText(body: { messages: { role: string; content: string | { text?: string }[] }[] }): string {
  const last = [...body.messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  return typeof last.content === 'string' ? last.content : last.content.map((b) => b.text ?? '').join('\n');
}
