import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { RecordingEgress } from '../fakes/recording-egress.js';
import { ReplyWriter } from '../../src/render/reply-writer.js';
import { claimDelivery } from '../../src/store/claim-delivery.js';
import { openDatabase } from '../../src/store/database.js';
import { silentLogger } from '../support/silent-logger.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { inbound, startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

// Postgres vanishes for a while (the worker reaches it through a TCP proxy the test cuts: the machine's own Postgres,
// which other tests use, is never touched) while questions keep arriving and answers are streaming.

const QUESTIONS = 20;
const OUTAGE_MS = 6000;

describe('Postgres unavailable for a while under load (worker behind a proxy the test cuts)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let proxy: TcpProxy;
  let platform: RecordingEgress;
  let app: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ firstTokenDelayMs: 200, tokensPerSecond: 8 });
    proxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
    platform = new RecordingEgress('shell');
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    // Two attempts, a second apart: far too few to outlast the outage, had it cost attempts.
    const config = testConfig(database, model.url, { DATABASE_URL: viaProxy.toString(), WORKER_CONCURRENCY: '50', JOB_ATTEMPTS: '2' });
    app = await startTestApp(config, [platform]);
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await model?.close();
    await database?.drop();
  });

  it('holds the messages it cannot store until Postgres is back, then answers each once: nothing lost, nothing twice', async () => {
    const questions = Array.from({ length: QUESTIONS }, (_, i) =>
      inbound(`question ${i}: does an answer survive the database going away?`, { thread: `T-pg-${i}` }),
    );
    // One question every 200 ms; Postgres goes away after the first second, while the first answers stream.
    const outage = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await proxy.restore();
    })();
    for (const message of questions) {
      await app.producer.enqueue(message);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await outage;

    const ids = questions.map((q) => q.id);
    const answered = async () =>
      Number((await database.sql`select count(*) as n from inbound_deliveries where id in ${database.sql(ids)} and status = 'answered'`)[0]!.n);
    await waitFor('every question to be answered', async () => (await answered()) === QUESTIONS, 40_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await answered()} of ${QUESTIONS}`);
    });

    for (const [i, message] of questions.entries()) {
      expect(platform.postsIn('C1', `T-pg-${i}`).map((p) => p.text), `question ${i}`).toEqual([`Echo: [Ann] ${message.text}`]);
    }
    // Each question and its answer are stored once, and no job failed.
    const stored = await database.sql<{ role: string; n: string }[]>`
      select role, count(*) as n from messages where delivery_id in ${database.sql(ids)} group by role order by role`;
    expect(stored.map((r) => [r.role, Number(r.n)])).toEqual([['assistant', QUESTIONS], ['user', QUESTIONS]]);
    expect(await app.producer.queue.getJobCounts('failed')).toEqual({ failed: 0 });
  }, 60_000);

  it('records a message posted just as Postgres went away once it is back, so the retry edits it instead of posting again', async () => {
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const proxied = await openDatabase(viaProxy.toString(), silentLogger());
    try {
      const address = { workspaceId: 'W1', channelId: 'C-cut', threadId: 'T-cut' };
      await claimDelivery(database.sql, 'shell', address, 'cut-1');
      // The platform accepts the post, and Postgres vanishes before the post can be recorded.
      const cutting = new RecordingEgress('shell');
      const post = cutting.post.bind(cutting);
      let restored: Promise<void> | undefined;
      cutting.post = async (...args) => {
        const posted = await post(...args);
        await proxy.cut();
        restored = new Promise((resolve) => setTimeout(resolve, 1500)).then(() => proxy.restore());
        return posted;
      };
      await new ReplyWriter(cutting, address, 'cut-1', proxied.sql, silentLogger(), true).start();
      await restored;
      // The next attempt knows the placeholder and edits it: one message.
      const retry = new ReplyWriter(cutting, address, 'cut-1', proxied.sql, silentLogger(), false);
      await retry.start();
      await retry.finish('the answer');
      expect(cutting.postsIn('C-cut', 'T-cut').map((m) => m.text)).toEqual(['the answer']);
    } finally {
      await proxied.close();
    }
  }, 30_000);
});
