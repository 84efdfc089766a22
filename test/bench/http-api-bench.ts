/*
 * HTTP API benchmark: what the API adds to a question, with the fake model answering at once (0 ms, instant tokens).
 * Real gateway + worker (one process), Postgres, Redis, BullMQ and Anthropic SDK; requests over real HTTP.
 *
 *   npm run bench:http [-- --requests 500 --concurrency 1]
 *
 * Reports, per mode (JSON answer, SSE stream): the whole round trip (request sent → answer complete), which with the
 * model at 0 ms is the API's and pipeline's own overhead; and for SSE the time to the `start` event (auth, rate
 * limit, queueing). Writes bench-results/http-<time>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createApiKey } from '../../adapters/http/api-keys.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { percentiles } from './percentiles.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '500' }, concurrency: { type: 'string', default: '1' } } });
const total = Number(values.requests);
const concurrency = Number(values.concurrency);

const database = await createTestDatabase();
const model = await startFakeAnthropic();
model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 0 });
const app = await startTestApp(testConfig(database, model.url, { HTTP_RATE_LIMIT_PER_MINUTE: '100000' }), []);
const { key } = await createApiKey(database.sql, 'bench', 'bench');
const url = `http://127.0.0.1:${app.port}/v1/chat`;

/** One question; returns [round trip, time to the first byte of the body] in ms. */
async function ask(stream: boolean): Promise<[number, number]> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(stream ? { accept: 'text/event-stream' } : {}) },
    body: JSON.stringify({ message: 'how fast is this?' }),
  });
  const reader = response.body!.getReader();
  let first = NaN;
  for (;;) {
    const { done } = await reader.read();
    if (Number.isNaN(first)) first = performance.now() - started;
    if (done) break;
  }
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  return [performance.now() - started, first];
}

async function run(stream: boolean) {
  for (let i = 0; i < 50; i++) await ask(stream); // warm connections, statements and JIT
  const rounds: number[] = [];
  const firsts: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const [round, first] = await ask(stream);
        rounds.push(round);
        firsts.push(first);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { requests: total, perSecond: Math.round(total / seconds), roundTripMs: percentiles(rounds), firstByteMs: percentiles(firsts) };
}

const json = await run(false);
const sse = await run(true);
const result = { when: new Date().toISOString(), node: process.version, concurrency, json, sse };
console.log(`
HTTP API benchmark (fake model at 0 ms; gateway + worker in one process; real Postgres, Redis, BullMQ; concurrency ${concurrency})
  JSON answer:  round trip p50 ${json.roundTripMs.p50} ms, p99 ${json.roundTripMs.p99} ms (${json.perSecond}/s)
  SSE stream:   round trip p50 ${sse.roundTripMs.p50} ms, p99 ${sse.roundTripMs.p99} ms; first event p50 ${sse.firstByteMs.p50} ms, p99 ${sse.firstByteMs.p99} ms`);
await mkdir('bench-results', { recursive: true });
const file = `bench-results/http-${result.when.replace(/[:.]/g, '-')}.json`;
await writeFile(file, JSON.stringify(result, null, 2));
console.log(`  written to ${file}`);

await app.close();
await model.close();
await database.drop();
process.exit(0);
