/*
 * The benchmark (`npm run bench`, not part of `npm test`): the real gateway and worker, each a process of its own,
 * against the fake Slack, Discord and Anthropic servers (in processes of their own, enforcing Slack's limits per
 * method and workspace and Discord's per route and per bot, answering 429 past them), all on 127.0.0.1, driven by
 * signed Slack events and Discord gateway messages. Every scenario is run again against a naive baseline bot
 * (naive-bot.ts: calls the model inline, posts, then acknowledges) with the same load, side by side.
 *
 *   npm run bench [-- --scenarios ack,overhead,throughput,streams,workspace --rate 500 --seconds 10 --no-baseline ...]
 *
 * Every option can also be set as BENCH_<OPTION> (BENCH_RATE=300). An answer counts as done when the asker can read
 * all of it (answer-watch.ts). One Slack workspace sends at most 30,000 events an hour and takes ~45 answers a minute
 * in channels (each is a placeholder then edits; chat.update is Tier 3), so the loaded scenarios spread their Slack
 * traffic over --workspaces workspaces (bench-workspaces.ts), and `workspace` shows one workspace on its own.
 *   ack         events at --rate per second for --seconds (--discord-rate of them Discord), model 1.5 s / 60 tok/s:
 *               acknowledgement latency per platform, first sign and complete answer, pipeline overhead, 429s
 *   overhead    --conversations Slack threads at once, each asking again --think-ms after its answer, for
 *               --overhead-seconds: event sent → model request arrives, p50/p99
 *   throughput  --messages mentions as fast as taken (--inflight at a time), model at 0 ms: answers completed per second
 *   streams     --streams mentions answered at once by one worker, model 1.5 s to first token then 60 tok/s for
 *               --stream-seconds: the worker's event-loop lag p99 and RSS while they stream
 *   workspace   --workspace-rate mentions a second for --workspace-seconds, all in one workspace (--workspace-channels
 *               channels): what Slack's per-workspace limits do to the time to a complete answer
 *   feel        --feel-mentions mentions at --feel-rate a second over --feel-channels channels (one workspace each), the
 *               model answering in 2 s, every setting at its default (WORKER_CONCURRENCY too): what people feel (first
 *               sign, complete answer) next to the ack, CPU per answer and RSS
 * Prints a table and writes bench-results/bench-<time>.json. Bounded: every wait has a time limit, all traffic is to
 * 127.0.0.1. --profile writes CPU profiles of the gateway and worker to bench-results/profiles/. --single runs both
 * roles in one process, as `npm start` does (its CPU and memory then show under both).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { slackDeliveryId } from '../../adapters/slack/slack-delivery-id.js';
import { jobIdFor } from '../../src/queue/inbound-queue.js';
import { appMentionEvent, nextEventTs, sendSlackEvent } from '../fakes/slack-events.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { AnswerWatch, discordKey, slackKey, type Asked, type Seen } from './answer-watch.js';
import type { ModelTiming } from './bench-fakes.js';
import { formatReport } from './bench-report.js';
import { benchTeam, channelIn } from './bench-workspaces.js';
import { cpuMsOf, startRoles, type ProcessHealth, type RunningRoles } from './bench-roles.js';
import { forkRpc } from './bench-rpc.js';
import { percentiles } from './percentiles.js';

const DEFAULTS = {
  scenarios: 'feel,ack,overhead,throughput,streams,workspace',
  rate: '500',
  seconds: '10',
  /**
   * Discord gives a bot 50 requests a second in all, and an answer takes about five (thread, typing, placeholder, edits):
   * ten questions a second is what one bot can answer as they come.
   */
  'discord-rate': '10',
  channels: '1000',
  /** Slack workspaces the ack, overhead, throughput and streams scenarios spread their questions over. */
  workspaces: '1000',
  'workspace-rate': '1.5',
  'workspace-seconds': '30',
  'workspace-channels': '20',
  /** 2,000 at 100 a second is the scenario; BENCH_FEEL_MENTIONS=500 makes a shorter run of it. */
  'feel-mentions': '2000',
  'feel-rate': '100',
  'feel-channels': '400',
  conversations: '200',
  'overhead-seconds': '15',
  'think-ms': '1000',
  messages: '3000',
  inflight: '128',
  'throughput-concurrency': '200',
  /** Worker processes in the throughput run (one per core, as a deployment would run them); the others use one. */
  'throughput-workers': '1',
  streams: '1000',
  'stream-seconds': '12',
  'out-dir': 'bench-results',
  /** NODE_OPTIONS for the gateway and worker (e.g. --max-semi-space-size=32), to try V8 settings. */
  'role-node-options': '',
  /** nice value for the worker process (0: same priority as the gateway). */
  'worker-nice': '0',
};
type Option = keyof typeof DEFAULTS;
const { values } = parseArgs({
  options: {
    ...Object.fromEntries(Object.keys(DEFAULTS).map((name) => [name, { type: 'string' as const }])),
    'no-baseline': { type: 'boolean' },
    profile: { type: 'boolean' },
    single: { type: 'boolean' },
  },
});
/** A flag, else BENCH_<NAME>, else the default. */
const option = (name: Option): string =>
  ((values as Record<string, unknown>)[name] as string | undefined) ?? process.env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`] ?? DEFAULTS[name];
const num = (name: Option): number => {
  const value = Number(option(name));
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number (got ${option(name)})`);
  return value;
};
const scenarios = option('scenarios').split(',').map((s) => s.trim()).filter(Boolean);
const baseline = !(values['no-baseline'] ?? process.env.BENCH_NO_BASELINE === '1');
const outDir = option('out-dir');

const SECRET = 'bench-signing-secret';
const BOT_TOKEN = 'xoxb-bench';
const REALISTIC: ModelTiming = { firstTokenDelayMs: 1500, tokensPerSecond: 60, answerWords: 30 };
/** The feel scenario's model: the whole answer 2 s after the request (streamed and non-streamed alike). */
const TWO_SECONDS: ModelTiming = { firstTokenDelayMs: 2000, tokensPerSecond: 0, answerWords: 30 };

// ---- set-up: database, fakes, the naive bot ------------------------------------------------------------------------

const database = await createTestDatabase();
const redis = new Redis(TEST_REDIS_URL);
// --profile profiles the fakes too: on one machine, what they cost is CPU the roles do not get.
const fakeProfile = (name: string) => (values.profile ? ['--cpu-prof', `--cpu-prof-dir=${outDir}/profiles/fake-${name}`] : []);
const model = await forkRpc('test/bench/bench-fakes.ts', ['model'], fakeProfile('model'));
const platforms = await forkRpc('test/bench/bench-fakes.ts', ['platforms'], fakeProfile('platforms'));
const naive = baseline ? await forkRpc('test/bench/naive-bot.ts') : undefined;
const { url: modelUrl } = await model.call<{ url: string }>('start', REALISTIC);
const fakes = await platforms.call<{ slackApiUrl: string; discordRestUrl: string; discordToken: string }>('start', { discordChannels: 8 });
const naiveUrl = naive
  ? (await naive.call<{ url: string }>('start', { modelUrl, slackApiUrl: fakes.slackApiUrl, signingSecret: SECRET, botToken: BOT_TOKEN })).url
  : undefined;

let run = 0;
/** Starts a fresh gateway and worker (own Redis prefix) for one scenario. */
async function startXiaoliu(workerConcurrency: number | undefined, workers = 1): Promise<RunningRoles & { prefix: string }> {
  const prefix = `xb-${randomBytes(4).toString('hex')}`;
  const roles = await startRoles({
    env: {
      DATABASE_URL: database.url,
      MIGRATE_ON_START: 'false',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      ANTHROPIC_BASE_URL: modelUrl,
      ANTHROPIC_API_KEY: 'bench-key',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fakes.slackApiUrl,
      DISCORD_TOKEN: fakes.discordToken,
      DISCORD_API_URL: fakes.discordRestUrl,
      LOG_LEVEL: 'info',
      ...(option('role-node-options') ? { NODE_OPTIONS: option('role-node-options') } : {}),
    },
    gatewayPort: 3931,
    workerPort: 3932,
    ...(workerConcurrency === undefined ? {} : { workerConcurrency }),
    workers,
    workerNice: num('worker-nice'),
    single: values.single ?? process.env.BENCH_SINGLE === '1',
    logDir: `${outDir}/logs`,
    ...(values.profile ? { profileDir: `${outDir}/profiles` } : {}),
  });
  return { ...roles, prefix };
}

// ---- load generation -------------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Calls `send(i)` for i < count at `rate` per second (0: all at once), not waiting for one before the next. */
async function paced(count: number, rate: number, send: (i: number) => Promise<void>): Promise<void> {
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (rate > 0 ? (i * 1000) / rate : 0);
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(send(i));
  }
  await Promise.all(pending);
}

/** Where a question is asked: the workspace, and the channel in it (channelIn names the workspace in the id). */
interface Place {
  team: string;
  channel: string;
}
const place = (team: string, name: string): Place => ({ team, channel: channelIn(team, name) });

/** Sends one signed app_mention; returns how long the acknowledgement took and its status. */
async function mention(url: string, { team, channel }: Place, text: string, threadTs?: string, ts?: string) {
  const event = appMentionEvent({ team, channel, user: `U${channel.length % 50}`, text: `<@UBOT> ${text}`, ...(threadTs ? { thread_ts: threadTs } : {}), ...(ts ? { ts } : {}) });
  const started = performance.now();
  try {
    const response = await sendSlackEvent(url, SECRET, event);
    return { ms: performance.now() - started, status: response.status };
  } catch (error) {
    // A connection refused or reset is a failed delivery, as Slack would count it (and deliver again).
    failures.push(String((error as Error).cause ?? error));
    return { ms: performance.now() - started, status: 0 };
  }
}
/** Deliveries that failed without any HTTP status, with why. */
const failures: string[] = [];

/** What the askers see, from the fake platforms (answer-watch.ts); one per scenario run. */
const watchAnswers = () => new AnswerWatch(() => platforms.call<Seen[]>('takeSeen'));

/** Asks one question in a new thread (the answer goes in the thread the mention opens); resolves once acknowledged. */
async function ask(url: string, where: Place, token: string, text: string, asked: Asked[]) {
  const ts = nextEventTs();
  asked.push({ token, key: slackKey(where.channel, ts), at: Date.now() });
  return mention(url, where, `${token} ${text}`, undefined, ts);
}

async function answeredCount(): Promise<number> {
  const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from inbound_deliveries where status = 'answered'`;
  return row?.n ?? 0;
}

/** Waits (bounded) until `expected` more deliveries are answered than `before`; returns how many were. */
async function waitAnswered(before: number, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let answered = 0;
  while (Date.now() < deadline) {
    answered = (await answeredCount()) - before;
    if (answered >= expected) break;
    await sleep(250);
  }
  return answered;
}

async function rateLimits() {
  return platforms.call<{ slack429: number; discord429: number; slackCalls: Record<string, number> }>('stats');
}

/** Slack Web API calls per answer between two `rateLimits()` reads, by method (warm-ups excluded). */
function slackCallsPer(answers: number, before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const per: Record<string, number> = {};
  for (const [method, n] of Object.entries(after)) {
    const used = n - (before[method] ?? 0);
    if (used > 0) per[method] = Math.round((used / Math.max(1, answers)) * 100) / 100;
  }
  return per;
}

async function takeArrivals(): Promise<Map<string, number>> {
  return new Map(await model.call<[string, number][]>('takeArrivals'));
}

async function warmUp(url: string, count: number, xiaoliu: boolean): Promise<void> {
  const before = xiaoliu ? await answeredCount() : 0;
  await paced(count, 50, async (i) => void (await mention(url, place(benchTeam('W', run, i), `CW${run}-${i}`), `bq-warm-${i} warm up`)));
  if (xiaoliu) await waitAnswered(before, count, 60_000);
  await takeArrivals();
}

/** When each question was sent, by its token. */
const sentAtOf = (asked: readonly Asked[]) => new Map(asked.map(({ token, at }) => [token, at]));

function overheadOf(sentAt: Map<string, number>, arrivals: Map<string, number>) {
  const samples: number[] = [];
  for (const [token, at] of sentAt) {
    const arrived = arrivals.get(token);
    if (arrived !== undefined) samples.push(arrived - at);
  }
  return { ...percentiles(samples), samples: samples.length };
}

async function splitOverhead(prefix: string, sentAt: Map<string, number>, jobOf: Map<string, string>, arrivals: Map<string, number>) {
  const tokens = [...sentAt.keys()].filter((token) => arrivals.has(token) && jobOf.has(token));
  const pipeline = redis.pipeline();
  for (const token of tokens) pipeline.hmget(`${prefix}:inbound:${jobOf.get(token)}`, 'timestamp', 'processedOn');
  const stamps = (await pipeline.exec()) ?? [];
  const ingress: number[] = [];
  const pickup: number[] = [];
  const worker: number[] = [];
  tokens.forEach((token, i) => {
    const [queued, started] = (stamps[i]?.[1] ?? []) as (string | null)[];
    if (!queued || !started) return;
    ingress.push(Number(queued) - sentAt.get(token)!);
    pickup.push(Number(started) - Number(queued));
    worker.push(arrivals.get(token)! - Number(started));
  });
  // A job that had to wait for the one ahead in its thread was started more than once: its processedOn is the last.
  return { sentToQueued: percentiles(ingress), queuedToStarted: percentiles(pickup), startedToModel: percentiles(worker) };
}

/** Samples a process's health once a second while `during` runs; the first read resets the lag histogram. */
async function sampleHealth<T>(read: () => Promise<ProcessHealth>, during: Promise<T>): Promise<{ result: T; samples: ProcessHealth[] }> {
  await read();
  const samples: ProcessHealth[] = [];
  let finished = false;
  const result = during.finally(() => (finished = true));
  while (!finished) {
    await Promise.race([sleep(1000), result.catch(() => {})]);
    samples.push(await read());
  }
  return { result: await result, samples };
}

/**
 * CPU time per event of every process involved, from /proc: unlike latencies, not inflated by whatever else the
 * machine is running. Call the result with the number of events (or answers) once they are done.
 */
async function cpuMeter(roles: RunningRoles | undefined) {
  const readers: Record<string, () => Promise<number> | number> = roles
    ? roles.gateway === roles.worker
      ? { start: () => roles.gateway.cpuMs() } // --single: one process has both roles
      : { gateway: () => roles.gateway.cpuMs(), worker: () => roles.worker.cpuMs() }
    : { naive: () => cpuMsOf(naive!.child.pid!) };
  readers.fakes = () => cpuMsOf(model.child.pid!) + cpuMsOf(platforms.child.pid!);
  readers.driver = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  if (roles) {
    // The Postgres backends serving this bench's database (a backend that starts meanwhile counts from zero), and
    // Redis, which other work on the machine may share.
    const backends = new Map<number, number>();
    readers.postgres = async () => {
      const rows = await database.sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()`;
      for (const { pid } of rows) backends.set(pid, cpuMsOf(pid) || (backends.get(pid) ?? 0));
      return [...backends.values()].reduce((a, b) => a + b, 0);
    };
    const redisPid = Number((await redis.info('server')).match(/process_id:(\d+)/)?.[1]);
    readers.redis = () => cpuMsOf(redisPid);
  }
  const start: Record<string, number> = {};
  for (const [name, read] of Object.entries(readers)) start[name] = await read();
  return async (events: number): Promise<Record<string, number>> => {
    const used: Record<string, number> = {};
    for (const [name, read] of Object.entries(readers)) used[name] = Math.round((((await read()) - start[name]!) / events) * 100) / 100;
    return used;
  };
}

function summarizeHealth(samples: ProcessHealth[]) {
  const lags = samples.map((s) => s.lagP99Ms);
  return {
    lagP99Ms: { median: round1(percentiles(lags).p50), max: round1(Math.max(...lags)) },
    rssMBMax: Math.round(Math.max(...samples.map((s) => s.rssMB))),
    heapMBMax: Math.round(Math.max(...samples.map((s) => s.heapMB ?? NaN))),
  };
}

// ---- scenarios -------------------------------------------------------------------------------------------------------

/** Acknowledgement latency per platform at a steady rate, with a realistic model behind. */
async function ackScenario(target: 'xiaoliu' | 'naive') {
  run++;
  const rate = num('rate');
  const seconds = num('seconds');
  // Each Discord mention opens a thread (a REST call) before it is queued, and Discord allows a bot 50 requests a
  // second in all: Discord's share of the rate stays under that. The naive bot is Slack only.
  const discordRate = target === 'xiaoliu' ? Math.min(num('discord-rate'), rate) : 0;
  const slackRate = target === 'xiaoliu' ? rate - discordRate : rate;
  const slackCount = Math.round(slackRate * seconds);
  const discordCount = Math.round(discordRate * seconds);
  const channels = Math.max(1, num('channels'));
  const workspaces = Math.max(1, num('workspaces'));
  await model.call('setTiming', REALISTIC);
  const roles = target === 'xiaoliu' ? await startXiaoliu(1000) : undefined;
  const url = roles ? `${roles.gatewayUrl}/slack/events` : naiveUrl!;
  const watch = watchAnswers();
  try {
    await warmUp(url, 40, !!roles);
    await watch.start();
    const limitsBefore = await rateLimits();
    const cpu = await cpuMeter(roles);
    const asked: Asked[] = [];
    const acks: number[] = [];
    let non200 = 0;
    const discord = discordCount
      ? platforms.call<{ id: string; at: number }[]>('discordSend', { count: discordCount, rate: discordRate, tag: `d${run}` })
      : Promise.resolve([]);
    const sending = paced(slackCount, slackRate, async (i) => {
      const c = i % channels;
      const where = place(benchTeam('A', run, c % workspaces), `CA${run}-${c}`);
      const { ms, status } = await ask(url, where, `bq-a${run}-${i}`, 'what is the answer?', asked);
      acks.push(ms);
      if (status !== 200) non200++;
    });
    const read = roles ? () => roles.gateway.read() : () => naive!.call<ProcessHealth>('health');
    const { samples } = await sampleHealth(read, Promise.all([sending, discord]));
    const discordSent = await discord;
    const discordAsked: Asked[] = discordSent.map(({ id, at }, i) => ({ token: `bq-d${run}-${i}`, key: discordKey(id), at }));
    await watch.settle([...asked, ...discordAsked].map((a) => a.token), 120_000);
    const cpuMsPerEvent = await cpu(slackCount + discordCount);
    // Discord has no acknowledgement: the ingress is done when the job is queued (its BullMQ timestamp, read once
    // every job is in: finished jobs are kept, up to 10,000).
    const discordAcks: number[] = [];
    if (roles && discordSent.length) {
      const pipeline = redis.pipeline();
      for (const { id } of discordSent) pipeline.hget(`${roles.prefix}:inbound:m-discord-${id}`, 'timestamp');
      const stamps = (await pipeline.exec()) ?? [];
      discordSent.forEach(({ at }, i) => {
        const queued = stamps[i]?.[1];
        if (typeof queued === 'string') discordAcks.push(Number(queued) - at);
      });
    }
    const arrivals = await takeArrivals();
    const limitsAfter = await rateLimits();
    const feel = { slack: watch.feel(asked), ...(discordCount ? { discord: watch.feel(discordAsked) } : {}) };
    return {
      offeredRate: { slack: slackRate, discord: discordRate },
      events: { slack: slackCount, discord: discordCount },
      workspaces: Math.min(workspaces, channels),
      slackAckMs: percentiles(acks),
      slackNon200: non200,
      discordQueuedMs: discordCount ? { ...percentiles(discordAcks), samples: discordAcks.length } : undefined,
      overheadMs: {
        slack: overheadOf(sentAtOf(asked), arrivals),
        ...(discordCount ? { discord: overheadOf(sentAtOf(discordAsked), arrivals) } : {}),
      },
      feel,
      answered: feel.slack.complete + (feel.discord?.complete ?? 0),
      rateLimited: { slack: limitsAfter.slack429 - limitsBefore.slack429, discord: limitsAfter.discord429 - limitsBefore.discord429 },
      slackCallsPerAnswer: slackCallsPer(feel.slack.complete, limitsBefore.slackCalls, limitsAfter.slackCalls),
      ingressProcess: summarizeHealth(samples),
      cpuMsPerEvent,
    };
  } finally {
    watch.stop();
    await roles?.stop();
  }
}

/** Pipeline overhead with N conversations going at once: each asks, waits for its answer, thinks, asks again. */
async function overheadScenario(target: 'xiaoliu' | 'naive') {
  run++;
  const conversations = num('conversations');
  const seconds = num('overhead-seconds');
  const thinkMs = num('think-ms');
  const workspaces = Math.max(1, num('workspaces'));
  await model.call('setTiming', REALISTIC);
  const roles = target === 'xiaoliu' ? await startXiaoliu(Math.max(50, conversations + 50)) : undefined;
  const url = roles ? `${roles.gatewayUrl}/slack/events` : naiveUrl!;
  const watch = watchAnswers();
  try {
    await warmUp(url, 40, !!roles);
    await watch.start();
    const limitsBefore = await rateLimits();
    await model.call('streams');
    const cpu = await cpuMeter(roles);
    const asked: Asked[] = [];
    /** The job id each question is queued under, to split the overhead into ingress and worker parts. */
    const jobOf = new Map<string, string>();
    const until = Date.now() + seconds * 1000;
    let rounds = 0;
    const talking = Promise.all(
      Array.from({ length: conversations }, async (_, c) => {
        await sleep((c * 2000) / conversations); // people do not all ask in the same millisecond
        const where = place(benchTeam('O', run, c % workspaces), `CO${run}-${c}`);
        let threadTs: string | undefined;
        for (let r = 0; Date.now() < until; r++) {
          const token = `bq-o${run}-${c}-${r}`;
          const ts = nextEventTs();
          asked.push({ token, key: slackKey(where.channel, threadTs ?? ts), at: Date.now() });
          jobOf.set(token, jobIdFor(slackDeliveryId(where.team, where.channel, ts)));
          await mention(url, where, `${token} and another thing?`, threadTs, ts);
          threadTs ??= ts; // follow-ups go in the thread the first question opened
          // The naive bot acknowledges once it has answered; Xiaoliu's answer comes later, in the thread.
          if (roles) await Promise.race([watch.answered(token), sleep(60_000)]);
          rounds++;
          await sleep(thinkMs);
        }
      }),
    );
    const { samples } = await sampleHealth(roles ? () => roles.worker.read() : () => naive!.call<ProcessHealth>('health'), talking);
    const { peak } = await model.call<{ peak: number }>('streams');
    const arrivals = await takeArrivals();
    const limitsAfter = await rateLimits();
    const sentAt = sentAtOf(asked);
    // Where the overhead goes: event sent → job queued (gateway), job queued → model request arrives (worker).
    const split = roles ? await splitOverhead(roles.prefix, sentAt, jobOf, arrivals) : undefined;
    return {
      conversations,
      rounds,
      peakOpenModelRequests: peak,
      overheadMs: overheadOf(sentAt, arrivals),
      ...(split ? { overheadSplitMs: split } : {}),
      feel: watch.feel(asked),
      answeringProcess: summarizeHealth(samples),
      cpuMsPerAnswer: await cpu(rounds),
      rateLimited: { slack: limitsAfter.slack429 - limitsBefore.slack429, discord: limitsAfter.discord429 - limitsBefore.discord429 },
      slackCallsPerAnswer: slackCallsPer(rounds, limitsBefore.slackCalls, limitsAfter.slackCalls),
    };
  } finally {
    watch.stop();
    await roles?.stop();
  }
}

/** Answers completed per second with the model at 0 ms: everything else is ours. */
async function throughputScenario(target: 'xiaoliu' | 'naive') {
  run++;
  const messages = num('messages');
  const inflight = num('inflight');
  const workspaces = Math.max(1, num('workspaces'));
  await model.call('setTiming', { firstTokenDelayMs: 0, tokensPerSecond: 0, answerWords: 30 } satisfies ModelTiming);
  const roles = target === 'xiaoliu' ? await startXiaoliu(num('throughput-concurrency'), num('throughput-workers')) : undefined;
  const url = roles ? `${roles.gatewayUrl}/slack/events` : naiveUrl!;
  const watch = watchAnswers();
  try {
    await warmUp(url, 100, !!roles);
    await watch.start();
    const limitsBefore = await rateLimits();
    const cpu = await cpuMeter(roles);
    const asked: Asked[] = [];
    const acks: number[] = [];
    let next = 0;
    let non200 = 0;
    const started = Date.now();
    const sending = Promise.all(
      Array.from({ length: inflight }, async () => {
        for (let i = next++; i < messages; i = next++) {
          const where = place(benchTeam('T', run, i % workspaces), `CT${run}-${i}`);
          const { ms, status } = await ask(url, where, `bq-t${run}-${i}`, 'quick one?', asked);
          acks.push(ms);
          if (status !== 200) non200++;
        }
      }),
    );
    const health = roles ? () => roles.worker.read() : () => naive!.call<ProcessHealth>('health');
    const { result: sentSeconds, samples } = await sampleHealth(
      health,
      (async () => {
        await sending;
        const sentSeconds = (Date.now() - started) / 1000;
        await watch.settle(asked.map((a) => a.token), 180_000);
        return sentSeconds;
      })(),
    );
    const doneAt = asked.map((a) => watch.doneAt(a.token)).filter((at): at is number => at !== undefined);
    const completed = doneAt.length;
    const seconds = (Math.max(...doneAt) - started) / 1000;
    const limitsAfter = await rateLimits();
    await takeArrivals();
    return {
      messages,
      inflight,
      completed,
      seconds: round1(seconds),
      answersPerSecond: Math.round(completed / seconds),
      acceptedPerSecond: Math.round(messages / sentSeconds),
      ackMs: percentiles(acks),
      non200,
      feel: watch.feel(asked),
      rateLimited: { slack: limitsAfter.slack429 - limitsBefore.slack429, discord: limitsAfter.discord429 - limitsBefore.discord429 },
      slackCallsPerAnswer: slackCallsPer(completed, limitsBefore.slackCalls, limitsAfter.slackCalls),
      answeringProcess: summarizeHealth(samples),
      cpuMsPerAnswer: await cpu(completed),
    };
  } finally {
    watch.stop();
    await roles?.stop();
  }
}

/** Many answers streaming at once from one worker process. */
async function streamsScenario(target: 'xiaoliu' | 'naive') {
  run++;
  const streams = num('streams');
  const streamSeconds = num('stream-seconds');
  const workspaces = Math.max(1, num('workspaces'));
  const timing: ModelTiming = { firstTokenDelayMs: 1500, tokensPerSecond: 60, answerWords: Math.round(60 * streamSeconds) };
  await model.call('setTiming', REALISTIC);
  const roles = target === 'xiaoliu' ? await startXiaoliu(streams + 50) : undefined;
  const url = roles ? `${roles.gatewayUrl}/slack/events` : naiveUrl!;
  const watch = watchAnswers();
  try {
    await warmUp(url, 40, !!roles);
    await model.call('setTiming', timing);
    await watch.start();
    const limitsBefore = await rateLimits();
    await model.call('streams');
    const cpu = await cpuMeter(roles);
    const rate = Math.min(num('rate'), 500);
    const read = roles ? () => roles.worker.read() : () => naive!.call<ProcessHealth>('health');
    // Samples while the answers stream, with how many model streams were open at each.
    const samples: (ProcessHealth & { open: number })[] = [];
    const asked: Asked[] = [];
    const sent = paced(streams, rate, async (i) => {
      void (await ask(url, place(benchTeam('S', run, i % workspaces), `CS${run}-${i}`), `bq-s${run}-${i}`, 'tell me a long story', asked));
    });
    const finished = (async () => {
      await sent;
      await watch.settle(asked.map((a) => a.token), streamSeconds * 1000 + 120_000);
    })();
    let done = false;
    void finished.finally(() => (done = true));
    await read();
    while (!done) {
      await Promise.race([sleep(1000), finished]);
      const health = await read();
      const { now, peak } = await model.call<{ now: number; peak: number }>('streams');
      samples.push({ ...health, open: Math.max(now, peak) });
    }
    await finished;
    const { peak } = await model.call<{ peak: number }>('streams');
    const peakOpen = Math.max(peak, ...samples.map((s) => s.open));
    // The plateau: seconds in which at least 90% of the streams were open at once.
    const plateau = samples.filter((s) => s.open >= 0.9 * streams);
    const limitsAfter = await rateLimits();
    await takeArrivals();
    const feel = watch.feel(asked);
    return {
      streams,
      streamSeconds,
      peakOpenModelRequests: peakOpen,
      plateauSeconds: plateau.length,
      plateau: plateau.length ? summarizeHealth(plateau) : undefined,
      whole: summarizeHealth(samples),
      feel,
      cpuMsPerAnswer: await cpu(streams),
      answered: feel.complete,
      rateLimited: { slack: limitsAfter.slack429 - limitsBefore.slack429, discord: limitsAfter.discord429 - limitsBefore.discord429 },
      slackCallsPerAnswer: slackCallsPer(feel.complete, limitsBefore.slackCalls, limitsAfter.slackCalls),
    };
  } finally {
    watch.stop();
    await roles?.stop();
  }
}

/**
 * One busy workspace on its own. Each channel answer is a placeholder then edits, and Slack lets an app make about 50
 * chat.update calls a minute in a workspace (Tier 3), so past ~45 questions a minute answers queue for Slack, not
 * for the machine: this shows how long the asker then waits.
 */
async function workspaceScenario(target: 'xiaoliu' | 'naive') {
  run++;
  const rate = num('workspace-rate');
  const seconds = num('workspace-seconds');
  const channels = Math.max(1, num('workspace-channels'));
  const count = Math.round(rate * seconds);
  const team = benchTeam('K', run, 0);
  await model.call('setTiming', REALISTIC);
  const roles = target === 'xiaoliu' ? await startXiaoliu(Math.max(50, count + 50)) : undefined;
  const url = roles ? `${roles.gatewayUrl}/slack/events` : naiveUrl!;
  const watch = watchAnswers();
  try {
    await warmUp(url, 20, !!roles);
    await watch.start();
    const limitsBefore = await rateLimits();
    const cpu = await cpuMeter(roles);
    const asked: Asked[] = [];
    const acks: number[] = [];
    let non200 = 0;
    await paced(count, rate, async (i) => {
      const { ms, status } = await ask(url, place(team, `CK${run}-${i % channels}`), `bq-k${run}-${i}`, 'what is the answer?', asked);
      acks.push(ms);
      if (status !== 200) non200++;
    });
    // Time for ~45 edits a minute, and a minute more.
    await watch.settle(asked.map((a) => a.token), (count / 45) * 60_000 + 60_000);
    const limitsAfter = await rateLimits();
    await takeArrivals();
    const feel = watch.feel(asked);
    return {
      rate,
      seconds,
      channels,
      ackMs: percentiles(acks),
      non200,
      feel,
      rateLimited: { slack: limitsAfter.slack429 - limitsBefore.slack429, discord: limitsAfter.discord429 - limitsBefore.discord429 },
      slackCallsPerAnswer: slackCallsPer(feel.complete, limitsBefore.slackCalls, limitsAfter.slackCalls),
      cpuMsPerAnswer: await cpu(Math.max(1, feel.complete)),
    };
  } finally {
    watch.stop();
    await roles?.stop();
  }
}

/**
 * What people feel under a steady load with every setting at its default: the time from sending a mention to the
 * first visible sign (status, placeholder, stream) and to the whole answer, next to the ack, CPU per answer and the
 * processes' RSS. One workspace per channel, so Slack's per-workspace limits are not what is measured here.
 */
async function feelScenario(target: 'xiaoliu' | 'naive') {
  run++;
  const count = num('feel-mentions');
  const rate = num('feel-rate');
  const channels = Math.max(1, num('feel-channels'));
  await model.call('setTiming', TWO_SECONDS);
  const roles = target === 'xiaoliu' ? await startXiaoliu(undefined) : undefined;
  const url = roles ? `${roles.gatewayUrl}/slack/events` : naiveUrl!;
  const watch = watchAnswers();
  try {
    await warmUp(url, 20, !!roles);
    await watch.start();
    const limitsBefore = await rateLimits();
    const cpu = await cpuMeter(roles);
    const asked: Asked[] = [];
    const acks: number[] = [];
    let non200 = 0;
    const finished = (async () => {
      await paced(count, rate, async (i) => {
        const c = i % channels;
        const { ms, status } = await ask(url, place(benchTeam('F', run, c), `CF${run}-${c}`), `bq-f${run}-${i}`, 'what is the answer?', asked);
        acks.push(ms);
        if (status !== 200) non200++;
      });
      // Bounded: at the old default (50 answers in flight, 2 s each) 2,000 answers take ~80 s after the last mention.
      await watch.settle(asked.map((a) => a.token), (count / 10) * 1000 + 120_000);
    })();
    const answering = roles ? () => roles.worker.read() : () => naive!.call<ProcessHealth>('health');
    const [{ samples }, gateway] = await Promise.all([
      sampleHealth(answering, finished),
      roles ? sampleHealth(() => roles.gateway.read(), finished) : undefined,
    ]);
    const limitsAfter = await rateLimits();
    await takeArrivals();
    const feel = watch.feel(asked);
    return {
      mentions: count,
      rate,
      channels,
      ackMs: percentiles(acks),
      non200,
      feel,
      answered: feel.complete,
      cpuMsPerAnswer: await cpu(Math.max(1, feel.complete)),
      answeringProcess: summarizeHealth(samples),
      ...(gateway ? { gatewayProcess: summarizeHealth(gateway.samples) } : {}),
      rateLimited: { slack: limitsAfter.slack429 - limitsBefore.slack429, discord: limitsAfter.discord429 - limitsBefore.discord429 },
      slackCallsPerAnswer: slackCallsPer(feel.complete, limitsBefore.slackCalls, limitsAfter.slackCalls),
    };
  } finally {
    watch.stop();
    await roles?.stop();
  }
}

// ---- run ------------------------------------------------------------------------------------------------------------

/** Deliveries that got no HTTP answer during the last scenario, counted by reason. */
function failed(): { failedDeliveries?: Record<string, number> } {
  if (!failures.length) return {};
  const counts: Record<string, number> = {};
  for (const reason of failures.splice(0)) counts[reason] = (counts[reason] ?? 0) + 1;
  return { failedDeliveries: counts };
}

const SCENARIOS = { feel: feelScenario, ack: ackScenario, overhead: overheadScenario, throughput: throughputScenario, streams: streamsScenario, workspace: workspaceScenario };
const results: Record<string, { xiaoliu: unknown; naive?: unknown }> = {};
try {
  for (const name of scenarios) {
    const scenario = SCENARIOS[name as keyof typeof SCENARIOS];
    if (!scenario) throw new Error(`unknown scenario "${name}": choose from ${Object.keys(SCENARIOS).join(', ')}`);
    console.log(`[bench] ${name}: Xiaoliu…`);
    const xiaoliu = { ...(await scenario('xiaoliu')), ...failed() };
    console.log(`[bench] ${name}: ${JSON.stringify(xiaoliu)}`);
    let naiveResult: unknown;
    if (naive) {
      console.log(`[bench] ${name}: naive baseline…`);
      naiveResult = { ...(await scenario('naive')), ...failed() };
      console.log(`[bench] ${name}: ${JSON.stringify(naiveResult)}`);
    }
    results[name] = { xiaoliu, ...(naive ? { naive: naiveResult } : {}) };
  }
  const report = {
    when: new Date().toISOString(),
    node: process.version,
    options: Object.fromEntries(Object.keys(DEFAULTS).map((name) => [name, option(name as Option)])),
    baseline,
    results,
  };
  console.log(formatReport(report));
  await mkdir(outDir, { recursive: true });
  const file = `${outDir}/bench-${report.when.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, JSON.stringify(report, null, 2));
  console.log(`written to ${file}`);
} finally {
  await naive?.stop();
  await platforms.stop();
  await model.stop();
  redis.disconnect();
  await database.drop();
}
process.exit(0);
