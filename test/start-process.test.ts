import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { crashSigns, startXiaoliuProcess, type XiaoliuProcess } from './support/xiaoliu-process.js';

// `npm start` runs the gateway on the main thread and the worker in a thread of its own (src/app/worker-thread.ts), so
// answers never hold up an acknowledgement; to the operator it is still one process, one port, one /metrics.
describe('npm start: the gateway and its worker thread, one process', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let xiaoliu: XiaoliuProcess;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    key = (await createApiKey(database.sql, 'alice', 'start')).key;
    xiaoliu = await startXiaoliuProcess({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `xt-${randomBytes(4).toString('hex')}`,
      ANTHROPIC_BASE_URL: model.url,
      LOG_LEVEL: 'info',
    });
  }, 40_000);
  afterAll(async () => {
    await xiaoliu?.stop();
    await model?.close();
    await database?.drop();
  });

  it('answers through the worker thread and serves both threads’ metrics together on one /metrics', async () => {
    const response = await fetch(`${xiaoliu.base}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hello from one process' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answer: string }).answer).toBeTruthy();
    // The worker runs in its thread: its log lines say so.
    expect(xiaoliu.output()).toMatch(/"thread":"worker"[^\n]*"msg":"the worker thread is up"/);

    const text = await (await fetch(`${xiaoliu.metricsBase}/metrics`)).text();
    // Each metric once (Prometheus refuses a page with a metric twice), the worker's counts and the gateway's together.
    expect(text.match(/^# TYPE xiaoliu_jobs_total counter$/gm)).toHaveLength(1);
    expect(text.match(/^# TYPE xiaoliu_ingress_ack_seconds histogram$/gm)).toHaveLength(1);
    expect(text).toMatch(/^xiaoliu_jobs_total\{[^}]*outcome="answered"[^}]*\} 1$/m);
    expect(text).toMatch(/^xiaoliu_ingress_ack_seconds_count\{platform="http"\} 1$/m);
    expect(text).toMatch(/^xiaoliu_process_resident_memory_bytes \d+/m);
  });

  it('stops both threads on SIGTERM and exits 0', async () => {
    expect(await xiaoliu.stop()).toBe(0);
    expect(crashSigns(xiaoliu.output())).toEqual([]);
    expect(xiaoliu.output()).toMatch(/"msg":"shut down cleanly"/);
  });
});
