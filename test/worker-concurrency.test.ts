import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

/**
 * A burst of questions while the model takes its time: with default settings one worker takes them all at once
 * (each is almost all waiting on the network), instead of leaving everyone past the fiftieth with nothing to see.
 */
describe('a worker with default settings under a burst', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let app: RunningApp;
  const platform = new RecordingEgress('shell');

  beforeAll(async () => {
    database = await createTestDatabase();
    // Slow enough that the last question reaches the model before the first is answered, however loaded the machine.
    model = await startFakeAnthropic({ firstTokenDelayMs: 6000 });
    // WORKER_CONCURRENCY empty: the default, as a team that sets nothing gets it. The lag rule is left out: on a
    // shared test machine the event loop lags for other processes' work (src/worker/load-governor.test.ts tests it).
    app = await startTestApp(testConfig(database, model.url, { WORKER_CONCURRENCY: '', WORKER_MAX_LAG_MS: '10000' }), [platform]);
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  it('has every one of 300 questions at the model at once', async () => {
    // Each from another person: one person asking 300 questions a minute would meet the per-user limit.
    const questions = Array.from({ length: 300 }, (_, i) => inbound(`question ${i}`, { thread: `T-${i}`, author: { id: `U-${i}`, name: `Person ${i}`, isBot: false } }));
    await Promise.all(questions.map((q) => app.producer.enqueue(q)));
    let most = 0;
    await waitFor('300 answers', () => {
      most = Math.max(most, model.activeStreams());
      return [...platform.messages.values()].filter((m) => m.text.startsWith('Echo:')).length === 300;
    }, 60_000).catch((error: Error) => {
      const ops = platform.calls.reduce<Record<string, number>>((n, c) => ({ ...n, [c.op]: (n[c.op] ?? 0) + 1 }), {});
      throw new Error(`${error.message}: ${JSON.stringify(ops)}, most ${most}, not echo ${JSON.stringify([...new Set(platform.calls.filter((c) => c.op === "edit" && !c.text.startsWith("Echo:")).map((c) => c.op === "edit" && c.text))].slice(0, 3))}`);
    });
    expect(most).toBe(300);
    expect(platform.calls.filter((c) => c.op === 'post')).toHaveLength(300);
  }, 90_000);
});
