import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../adapters/http/api-keys.js';
import type { RunningApp } from '../../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { readSse, type SseEvent } from '../support/read-sse.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

// The gateway reaches Redis through a proxy the test cuts, the worker directly: the answer's events are published
// while the gateway's relay subscription is gone, as during a Redis restart or failover that the gateway sees and the
// worker does not (or sees later), so the request waiting on them never hears them, `done` included.

describe('an HTTP client on SSE whose relay lost its Redis subscription (gateway via a proxy the test cuts)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let proxy: TcpProxy;
  let gateway: RunningApp;
  let worker: RunningApp;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    proxy = await startTcpProxy(6379);
    const config = testConfig(database, model.url);
    gateway = await startTestApp({ ...config, redisUrl: `redis://127.0.0.1:${proxy.port}` }, [], { gateway: true, worker: false });
    worker = await startTestApp(config, [], { gateway: false, worker: true });
    key = (await createApiKey(database.sql, 'ann', 'test')).key;
  });
  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
    await proxy?.close();
    await model?.close();
    await database?.drop();
  });

  it('finishes the stream from the stored answer once the relay is back, instead of waiting 15 minutes for a 504', async () => {
    let resume!: () => void;
    const rest = 'and the rest of it, written while the gateway could not hear.';
    model.enqueue({ kind: 'paused', textBefore: 'The start of the answer ', textAfter: rest, resume: new Promise<void>((r) => (resume = r)) });
    const response = await fetch(`http://127.0.0.1:${gateway.port}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'a long question' }),
    });
    const events: SseEvent[] = [];
    const reading = readSse(response, events);
    await waitFor('the start of the answer', () => events.some((e) => e.event === 'delta'));

    await proxy.cut();
    resume();
    // The worker finishes and stores the answer, and publishes its end to no one.
    await waitFor('the answer to be stored', async () => {
      const [row] = await database.sql`select count(*)::int as n from messages where role = 'assistant' and text like ${`%${rest}`}`;
      return row!.n === 1;
    });
    expect(events.some((e) => e.event === 'done')).toBe(false);
    await proxy.restore();

    await waitFor('the stream to finish', () => events.some((e) => e.event === 'done'), 20_000);
    await reading;
    const whole = `The start of the answer ${rest}`;
    expect(events.at(-1)!.data.answer).toBe(whole);
    // What the client showed is put right: the missed part arrives as the whole text, replacing the start.
    const replaced = events.filter((e) => e.event === 'replace').at(-1);
    expect(replaced?.data.text).toBe(whole);
  });
});
