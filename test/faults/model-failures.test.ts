import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app/start-app.js';
import { lastUserText } from '../fakes/fake-anthropic-wire.js';
import { startFakeAnthropic, type CapturedRequest, type FakeAnthropic, type FakeReply } from '../fakes/fake-anthropic.js';
import { RecordingEgress } from '../fakes/recording-egress.js';
import { seededDraw } from '../support/seeded-random.js';
import { inbound, startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const SEED = 20_240_817;
const QUESTIONS = 60;
const FAILURE_SHARE = 0.3;
const RETRY_AFTER_SECONDS = 1;
const MAX_ATTEMPTS = 4;

/** Every way the Messages API fails that the client must survive, one picked per failing call. */
const FAILURES: { name: string; reply: FakeReply }[] = [
  { name: '429 retry-after', reply: { kind: 'status', status: 429, errorType: 'rate_limit_error', retryAfterSeconds: RETRY_AFTER_SECONDS } },
  { name: '529', reply: { kind: 'status', status: 529, errorType: 'overloaded_error' } },
  { name: '500', reply: { kind: 'status', status: 500, errorType: 'api_error' } },
  { name: 'stall', reply: { kind: 'stall', textBefore: 'A partial answer that then goes silent' } },
  { name: 'midstream error', reply: { kind: 'midstream-error', textBefore: 'Half an answer, then', errorType: 'overloaded_error' } },
  { name: 'disconnect', reply: { kind: 'disconnect', textBefore: 'An answer cut off by the network' } },
];

const answerTo = (question: string) => `The answer to ${question}, complete.`;

describe('the model failing on a share of calls (real SDK, pipeline, Postgres and Redis; fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let platform: RecordingEgress;
  let app: RunningApp;
  /** What the fake answered each call, per question, in order. */
  const served = new Map<string, { at: number; name: string }[]>();

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ tokensPerSecond: 300 }); // streamed, so partial text reaches the thread first
    model.setReply((req: CapturedRequest) => {
      const question = /\bq-\d+\b/.exec(lastUserText(req.body))?.[0] ?? 'unknown';
      const calls = served.get(question) ?? [];
      served.set(question, calls);
      // Fixed by seed, question and attempt: the same calls fail whatever order the workers make them in.
      // Every twentieth question meets a model that never recovers, so the error path is exercised too.
      const down = Number(question.slice(2)) % 20 === 7;
      const fails = down || seededDraw(SEED, question, calls.length, 'fails') < FAILURE_SHARE;
      const failure = FAILURES[Math.floor(seededDraw(SEED, question, calls.length, 'kind') * FAILURES.length)]!;
      calls.push({ at: req.at, name: fails ? failure.name : 'ok' });
      return fails ? failure.reply : { kind: 'text', text: answerTo(question) };
    });
    platform = new RecordingEgress('shell');
    const config = testConfig(database, model.url, {
      CLAUDE_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      // A stalled stream is given up after this much silence (60 s in production), so the test stays quick.
      CLAUDE_IDLE_TIMEOUT_MS: '1000',
      WORKER_CONCURRENCY: '30',
    });
    app = await startTestApp(config, [platform]);
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  it('ends every question answered or with a visible error in its thread, honouring retry-after', async () => {
    const questions = Array.from({ length: QUESTIONS }, (_, i) => `q-${String(i).padStart(3, '0')}`);
    const messages = questions.map((q) => inbound(`please answer ${q}`, { thread: `T-${q}` }));
    for (const message of messages) await app.producer.enqueue(message);
    await waitFor(
      'every question to be answered or failed visibly',
      () => messages.every((m) => platform.doneDeliveries().includes(m.id)),
      50_000,
    );

    const outcomes = { answered: 0, error: 0 };
    for (const [i, question] of questions.entries()) {
      const calls = served.get(question) ?? [];
      const posts = platform.postsIn('C1', `T-${question}`);
      // One message per question: retries edited it, never posted another.
      expect(posts, question).toHaveLength(1);
      const final = posts[0]!.text;
      if (calls.at(-1)?.name === 'ok') {
        expect(final, question).toBe(answerTo(question));
        outcomes.answered++;
      } else {
        // Every attempt failed: the user reads why, instead of a half answer or an endless "Thinking…".
        expect(calls, question).toHaveLength(MAX_ATTEMPTS);
        expect(final, question).toMatch(/^⚠️ /);
        outcomes.error++;
      }
      const [row] = await database.sql`select status from inbound_deliveries where id = ${messages[i]!.id}`;
      expect(row?.status, question).toBe('answered');
    }

    // The faults really happened, all of them: a seed that dodged one would make this test prove less.
    const names = [...served.values()].flat().map((c) => c.name);
    const failures = names.filter((n) => n !== 'ok');
    expect(failures.length).toBeGreaterThanOrEqual(QUESTIONS * FAILURE_SHARE * 0.7);
    for (const { name } of FAILURES) expect(names, name).toContain(name);
    expect(outcomes.answered).toBeGreaterThan(QUESTIONS / 2);
    expect(outcomes.error).toBeGreaterThanOrEqual(QUESTIONS / 20);

    // A 429 said "retry after 1 s": the client's next call for that question came no earlier (a causal order, from
    // the fake's own clock; 2 ms allow for both timestamps being truncated to whole milliseconds).
    let checked = 0;
    for (const calls of served.values()) {
      calls.forEach((call, i) => {
        const next = calls[i + 1];
        if (call.name !== '429 retry-after' || !next) return;
        expect(next.at - call.at).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000 - 2);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(0);
  });
});
