/*
 * Slack ingress benchmark: how fast the gateway acknowledges signed Events API requests at a steady rate while the
 * model is slow (the fake answers after 2 s), through the real Bolt receiver, queue, workers, Postgres and Redis.
 *
 *   npm run bench:slack [-- --rate 100 --seconds 10 --concurrency 200 --mode split|single]
 *
 * Prints ack latency p50/p99/max as the sender saw it, answers completed, and 429s from the fake Slack (which
 * enforces Slack's per-channel limits); writes bench-results/slack-ack-<time>.json. Bounded in count and time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeSlack } from '../fakes/fake-slack.js';
import { appMentionEvent, sendSlackEvent } from '../fakes/slack-events.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { spawnProcess, type RunningProcess } from '../support/spawn-process.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { percentiles } from './percentiles.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '200' },
    channels: { type: 'string', default: '200' },
    mode: { type: 'string', default: 'split' },
  },
});
const rate = Number(values.rate);
const total = rate * Number(values.seconds);
const channels = Number(values.channels);
const SECRET = 'bench-secret';
const GATEWAY_PORT = 3917;

const database = await createTestDatabase();
const model = await startFakeAnthropic({ firstTokenDelayMs: 2000, tokensPerSecond: 60 });
const slack = await startFakeSlack({ botToken: 'xoxb-bench' });
const env = {
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_API_URL: slack.apiUrl,
  WORKER_CONCURRENCY: values.concurrency!,
};
// split: gateway and worker as separate processes, as Compose and Kubernetes run them (the sender and the fakes stay
// here). single: everything in this process, as `npm start` runs it.
const split = values.mode === 'split';
const config = testConfig(database, model.url, env);
const app = split ? undefined : await startTestApp(config, []);
const children = split ? await startRoles(config.queuePrefix, { ...env, DATABASE_URL: database.url, ANTHROPIC_BASE_URL: model.url }) : [];
const port = app?.port ?? GATEWAY_PORT;
const url = `http://127.0.0.1:${port}/slack/events`;

// Warm-up: connections, JIT, the user-name cache.
await Promise.all(
  Array.from({ length: 20 }, (_, i) => sendSlackEvent(url, SECRET, appMentionEvent({ channel: `CW${i}`, user: 'U1', text: '<@UBOT> warm' }))),
);

const latencies: number[] = [];
let failures = 0;
const started = Date.now();
const inFlight: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / rate;
  if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  const event = appMentionEvent({ channel: `C${i % channels}`, user: `U${i % 50}`, text: `<@UBOT> question ${i}` });
  const sent = performance.now();
  inFlight.push(
    sendSlackEvent(url, SECRET, event).then((response) => {
      latencies.push(performance.now() - sent);
      if (response.status !== 200) failures++;
    }),
  );
}
await Promise.all(inFlight);
const sendSeconds = (Date.now() - started) / 1000;

// Let the answers finish (bounded), to report that nothing was lost and what Slack said about our pace.
const deadline = Date.now() + 90_000;
let answered = 0;
while (Date.now() < deadline) {
  const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from inbound_deliveries where status = 'answered'`;
  answered = row?.n ?? 0;
  if (answered >= total + 20) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}

const result = {
  when: new Date().toISOString(),
  mode: values.mode,
  node: process.version,
  offeredRate: rate,
  events: total,
  sendSeconds,
  ackMs: percentiles(latencies),
  non200: failures,
  answered: answered - 20,
  slack429: slack.count429,
  rssMB: Math.round(process.memoryUsage().rss / 1e6),
};
console.log(`
Slack ack benchmark (fake model: 2 s to first token, 60 tokens/s; real Bolt, queue, workers, Postgres, Redis)
  mode: ${split ? 'gateway and worker in separate processes' : 'gateway and worker in one process (npm start)'}
  ${total} signed app_mention events at ${rate}/s over ${channels} channels
  ack latency     p50 ${result.ackMs.p50} ms   p99 ${result.ackMs.p99} ms   max ${result.ackMs.max} ms   (non-200: ${failures})
  answered        ${result.answered} of ${total}
  429s from Slack ${result.slack429}
  RSS             ${result.rssMB} MB
  note: sender, fakes${split ? '' : ', gateway and workers'} share this process; everything shares the machine's 2 cores.`);
await mkdir('bench-results', { recursive: true });
await writeFile(`bench-results/slack-ack-${result.when.replace(/[:.]/g, '-')}.json`, JSON.stringify(result, null, 2));

await app?.close();
for (const { child } of children) child.kill('SIGTERM');
await Promise.all(children.map(({ exited }) => exited));
await slack.close();
await model.close();
await database.drop();
process.exit(0);

/** Starts `gateway` and `worker` the way the npm scripts do, and waits until both say they are up. */
async function startRoles(prefix: string, roleEnv: Record<string, string>): Promise<RunningProcess[]> {
  const start = async (role: string, port: number) => {
    const running = spawnProcess(['--import', 'tsx', 'src/main.ts', role], { ...roleEnv, QUEUE_PREFIX: prefix, PORT: String(port), LOG_LEVEL: 'info' });
    await waitFor(`${role} to start`, () => running.output().includes('xiaoliu is up'), 30_000);
    return running;
  };
  return Promise.all([start('gateway', GATEWAY_PORT), start('worker', GATEWAY_PORT + 1)]);
}
