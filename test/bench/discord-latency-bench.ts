/*
 * Discord latency: how long after a mention its thread appears, the placeholder is posted, and the first edit of the
 * answer lands, with the model taking 2 s to its first token. The real discord.js client, queue, worker, Postgres and
 * Anthropic SDK, against the fake Discord (Discord's own per-channel limits on) and the fake model, on 127.0.0.1.
 *
 *   node --import tsx test/bench/discord-latency-bench.ts [--mentions 60 --rate 4 --first-token-ms 2000]
 *
 * Times are taken where the fake Discord receives each request, from the moment the mention was sent. Bounded:
 * gives up 60 s after the last mention.
 */
import { parseArgs } from 'node:util';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeDiscord } from '../fakes/fake-discord.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { percentiles } from './percentiles.js';

const { values } = parseArgs({
  options: {
    mentions: { type: 'string', default: '60' },
    rate: { type: 'string', default: '4' },
    'first-token-ms': { type: 'string', default: '2000' },
  },
});
const count = Number(values.mentions);
const rate = Number(values.rate);

const answer = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
const database = await createTestDatabase();
const model = await startFakeAnthropic({ firstTokenDelayMs: Number(values['first-token-ms']), tokensPerSecond: 80 });
model.setReply(() => ({ kind: 'text', text: answer }));
const discord = await startFakeDiscord({ guilds: [{ channels: ['general', 'help', 'dev', 'random'].map((name) => ({ name })) }] });
const config = testConfig(database, model.url, { DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.restUrl, WORKER_CONCURRENCY: '50' });
const app = await startTestApp(config, []);
const alice = discord.addUser({ username: 'alice', global_name: 'Alice' });
// Spread over the guild's channels as people would; Discord's limits are per channel.
const channels = discord.guilds[0]!.channelIds;

const sent: { id: string; at: number }[] = [];
const started = Date.now();
for (let i = 0; i < count; i++) {
  const due = started + (i * 1000) / rate;
  if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  const channelId = channels[i % channels.length]!;
  const at = Date.now();
  const message = discord.sendMessage({ channelId, author: alice, content: `<@${discord.botUser.id}> question number ${i}` });
  sent.push({ id: message.id, at });
}
await waitFor(
  'every answer',
  async () => {
    const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from inbound_deliveries where status = 'answered'`;
    return (row?.n ?? 0) >= count;
  },
  60_000,
);

const firstCall = (method: string, pattern: RegExp) => discord.calls.find((c) => c.method === method && pattern.test(c.path))?.at;
const rows = sent.map(({ id, at }) => ({
  thread: (firstCall('POST', new RegExp(`/messages/${id}/threads$`)) ?? NaN) - at,
  placeholder: (firstCall('POST', new RegExp(`^/channels/${id}/messages$`)) ?? NaN) - at,
  firstEdit: (firstCall('PATCH', new RegExp(`^/channels/${id}/messages/\\d+$`)) ?? NaN) - at,
}));
const acks = (await app.metrics.ingressAck.get()).values.filter((v) => v.labels.platform === 'discord');
const ackSum = acks.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
const ackCount = acks.find((v) => v.metricName?.endsWith('_count'))?.value ?? 1;
console.log(`${count} mentions at ${rate}/s over ${channels.length} channels, model first token at ${values['first-token-ms']} ms`);
console.log('ms after the mention     p50     p99     max');
for (const key of ['thread', 'placeholder', 'firstEdit'] as const) {
  const { p50, p99, max } = percentiles(rows.map((r) => r[key]));
  console.log(`${key.padEnd(22)} ${String(p50).padStart(7)} ${String(p99).padStart(7)} ${String(max).padStart(7)}`);
}
console.log(`ingress (event → thread opened → queued), mean: ${((ackSum / ackCount) * 1000).toFixed(1)} ms; 429s served: ${discord.count429}`);

await app.close();
await discord.close();
await model.close();
await database.drop();
process.exit(0);
