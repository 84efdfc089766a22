/*
 * Pipeline benchmark: messages per second through queue → worker → router → Claude client → reply, and the
 * pipeline's own overhead (enqueue → the model request arriving at the model), with the fake model answering at once.
 * Real Postgres, Redis, BullMQ and Anthropic SDK; the chat platform is in memory, so only Xiaoliu's own costs count.
 *
 *   npm run bench:pipeline [-- --messages 2000 --threads 400 --concurrency 50]
 *
 * Prints a table and writes bench-results/pipeline-<time>.json. Bounded: it stops after the messages or 120 s.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { RecordingEgress } from '../fakes/recording-egress.js';
import { inbound, startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    threads: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '50' },
  },
});
const total = Number(values.messages);
const threads = Number(values.threads);
const concurrency = Number(values.concurrency);

const database = await createTestDatabase();
const model = await startFakeAnthropic();
const platform = new RecordingEgress('shell', { maxMessageChars: 4000, editIntervalMs: 100, maxParts: 4 });
const app = await startTestApp(testConfig(database, model.url, { WORKER_CONCURRENCY: String(concurrency) }), [platform]);

// Warm up connections, prepared statements and JIT so the figures describe the steady state.
const warm = Array.from({ length: 50 }, (_, i) => inbound(`warm ${i}`, { thread: `warm-${i % 10}` }));
for (const m of warm) await app.producer.enqueue(m);
await waitFor('warm-up', () => platform.doneDeliveries().length >= warm.length, 60_000);

const enqueuedAt = new Map<string, number>();
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const requestsBefore = model.requests.length;
const doneBefore = platform.doneDeliveries().length;
const started = performance.now();
const startedEpoch = Date.now();
for (let i = 0; i < total; i++) {
  const message = inbound(`bench ${i}`, { thread: `t-${i % threads}` });
  enqueuedAt.set(`bench ${i}`, performance.now() - started + startedEpoch);
  // Adapters enqueue concurrently; do not serialize on our side beyond what Redis does.
  void app.producer.enqueue(message);
}
const enqueueMs = performance.now() - started;
await waitFor('all answers', () => platform.doneDeliveries().length - doneBefore >= total, 120_000);
const elapsed = (performance.now() - started) / 1000;
loop.disable();

const overheads = model.requests
  .slice(requestsBefore)
  .map((request) => {
    const text = JSON.stringify(request.body.messages.at(-1));
    const match = /bench (\d+)/.exec(text);
    const queued = match ? enqueuedAt.get(`bench ${match[1]}`) : undefined;
    return queued === undefined ? undefined : request.at - queued;
  })
  .filter((ms): ms is number => ms !== undefined)
  .sort((a, b) => a - b);
const pct = (p: number) => overheads[Math.min(overheads.length - 1, Math.floor((p / 100) * overheads.length))] ?? NaN;

const result = {
  when: new Date().toISOString(),
  node: process.version,
  messages: total,
  threads,
  workerConcurrency: concurrency,
  enqueueMs: Math.round(enqueueMs),
  elapsedSeconds: Number(elapsed.toFixed(2)),
  answersPerSecond: Math.round(total / elapsed),
  overheadMs: { p50: round(pct(50)), p99: round(pct(99)), max: round(overheads.at(-1) ?? NaN), samples: overheads.length },
  eventLoopLagP99Ms: round(loop.percentile(99) / 1e6),
  rssMB: Math.round(process.memoryUsage().rss / 1e6),
};

console.log(`
pipeline benchmark (fake model at 0 ms, in-memory platform, real Postgres + Redis + BullMQ)
  messages            ${total} over ${threads} threads, worker concurrency ${concurrency}
  throughput          ${result.answersPerSecond} answers/s (${result.elapsedSeconds} s)
  enqueue → model     p50 ${result.overheadMs.p50} ms   p99 ${result.overheadMs.p99} ms   max ${result.overheadMs.max} ms
  event-loop lag p99  ${result.eventLoopLagP99Ms} ms
  RSS                 ${result.rssMB} MB
  note: everything (bench driver, fake model, worker) shares one process and this machine's 2 cores.`);

await mkdir('bench-results', { recursive: true });
const file = `bench-results/pipeline-${result.when.replace(/[:.]/g, '-')}.json`;
await writeFile(file, JSON.stringify(result, null, 2));
console.log(`  written to ${file}`);

await app.close();
await model.close();
await database.drop();

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
