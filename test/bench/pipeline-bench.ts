/*
 * Pipeline benchmark: messages per second through queue → worker → router → Claude client → reply, and the
 * pipeline's own overhead (enqueue → the model request arriving at the model), with the fake model answering at once.
 * Real Postgres, Redis, BullMQ and Anthropic SDK; the chat platform is in memory, so only Xiaoliu's own costs count.
 *
 *   npm run bench:pipeline [-- --messages 2000 --threads 400 --concurrency 50 --rate 100 --seconds 10]
 *
 * Two runs: a burst (throughput at saturation) and a paced load below it (overhead without queueing).
 * Prints a table and writes bench-results/pipeline-<time>.json. Bounded: each run stops after its messages or 120 s.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { RecordingEgress } from '../fakes/recording-egress.js';
import { inbound, startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { percentiles } from './percentiles.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    threads: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '50' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
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

/** Sends `count` messages, all at once (rate 0) or paced at `rate` per second; returns what the model saw. */
async function run(label: string, count: number, rate: number) {
  const enqueuedAt = new Map<string, number>();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const requestsBefore = model.requests.length;
  const doneBefore = platform.doneDeliveries().length;
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    if (rate > 0) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    }
    const text = `${label} ${i}`;
    enqueuedAt.set(text, Date.now());
    // Adapters enqueue concurrently; do not serialize on our side beyond what Redis does.
    void app.producer.enqueue(inbound(text, { thread: `${label}-${i % threads}` }));
  }
  await waitFor('all answers', () => platform.doneDeliveries().length - doneBefore >= count, 120_000);
  const elapsed = (Date.now() - started) / 1000;
  loop.disable();
  const overheads = model.requests
    .slice(requestsBefore)
    .map((request) => {
      const match = new RegExp(`${label} (\\d+)`).exec(JSON.stringify(request.body.messages.at(-1)));
      const queued = match ? enqueuedAt.get(`${label} ${match[1]}`) : undefined;
      return queued === undefined ? undefined : request.at - queued;
    })
    .filter((ms): ms is number => ms !== undefined);
  return {
    messages: count,
    offeredRate: rate || 'burst',
    elapsedSeconds: Number(elapsed.toFixed(2)),
    answersPerSecond: Math.round(count / elapsed),
    overheadMs: { ...percentiles(overheads), samples: overheads.length },
    eventLoopLagP99Ms: round(loop.percentile(99) / 1e6),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  };
}

const burst = await run('burst', total, 0);
const paced = await run('paced', Number(values.rate) * Number(values.seconds), Number(values.rate));
const result = { when: new Date().toISOString(), node: process.version, threads, workerConcurrency: concurrency, burst, paced };

console.log(`
pipeline benchmark (fake model at 0 ms, in-memory platform, real Postgres + Redis + BullMQ, one process)
  worker concurrency ${concurrency}, messages spread over ${threads} threads
  burst of ${total}:        ${burst.answersPerSecond} answers/s (${burst.elapsedSeconds} s), event-loop lag p99 ${burst.eventLoopLagP99Ms} ms, RSS ${burst.rssMB} MB
  ${values.rate}/s for ${values.seconds} s:     enqueue → model request p50 ${paced.overheadMs.p50} ms, p99 ${paced.overheadMs.p99} ms, max ${paced.overheadMs.max} ms
                     event-loop lag p99 ${paced.eventLoopLagP99Ms} ms, RSS ${paced.rssMB} MB
  note: the bench driver and the fake model share this process and the machine's 2 cores with Postgres and Redis.`);

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
process.exit(0);
