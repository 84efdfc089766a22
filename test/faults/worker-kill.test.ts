import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import { createInboundProducer, jobIdFor, type InboundProducer } from '../../src/queue/inbound-queue.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { claimDelivery } from '../../src/store/claim-delivery.js';
import { saveMessage } from '../../src/store/conversations.js';
import { lastUserText } from '../fakes/fake-anthropic-wire.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { snowflake, startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { seededRandom } from '../support/seeded-random.js';
import { spawnProcess, type RunningProcess } from '../support/spawn-process.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { nodeArgsOf } from '../support/npm-script.js';

// kill -9 of real worker processes (`node … dist/src/main.js worker`, as `npm run worker` runs it) while 50
// conversations are being answered. The platform is the fake Discord: every message Xiaoliu creates there carries an
// enforced nonce, so even a kill between Discord creating a message and Xiaoliu recording its id leaves one message.
// (Slack has no such key: a retried delivery looks its unrecorded parts up instead; test/slack-egress.test.ts reproduces
// exactly that window.)
// FAULT_SEED=<n> replays other kill points.

const SEED = Number(process.env.FAULT_SEED ?? 20_251_125);
const CONVERSATIONS = 50;
/** Short, so a killed worker's jobs come back within seconds instead of the production 30 s. */
const LOCK_MS = 2000;

describe('kill -9 of worker processes under load (real processes, fake Discord and model)', () => {
  const random = seededRandom(SEED);
  const prefix = `xt-${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let model: FakeAnthropic;
  let discord: FakeDiscord;
  let producer: InboundProducer;
  let redis: ReturnType<typeof createRedis>;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // About two seconds per answer, streamed: a kill finds answers at every stage.
    model = await startFakeAnthropic({ firstTokenDelayMs: 200, tokensPerSecond: 8 });
    model.setReply((req) => {
      const text = lastUserText(req.body);
      if (text.includes('never finishes')) return { kind: 'stall', textBefore: 'A start, and then nothing' };
      return { kind: 'text', text: `Echo: ${text}` };
    });
    const channels = Array.from({ length: CONVERSATIONS + 2 }, (_, i) => ({ name: `room-${i}` }));
    discord = await startFakeDiscord({ guilds: [{ channels }], rateLimitWindowMs: 500 });
    redis = createRedis(TEST_REDIS_URL);
    producer = createInboundProducer({ redis, prefix, jobAttempts: 5 });
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await producer?.close();
    if (redis) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
    await discord?.close();
    await model?.close();
    await database?.drop();
  });

  async function startWorker(): Promise<RunningProcess> {
    const worker = spawnProcess(nodeArgsOf('worker'), {
      SLACK_BOT_TOKEN: '',
      SLACK_APP_TOKEN: '',
      DATABASE_URL: database.url,
      MIGRATE_ON_START: 'false',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      ANTHROPIC_BASE_URL: model.url,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.restUrl,
      DISCORD_EDIT_INTERVAL_MS: '300',
      WORKER_LOCK_MS: String(LOCK_MS),
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    await waitFor('a worker to start', () => worker.output().includes('xiaoliu is up'), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${worker.output()}`);
    });
    return worker;
  }

  async function kill(worker: RunningProcess): Promise<void> {
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe(null); // killed by the signal, not exited by itself
  }

  function question(channelId: string, text: string): InboundMessage {
    return {
      v: 1,
      id: `discord-${snowflake()}`,
      platform: 'discord',
      kind: 'mention',
      address: { workspaceId: discord.guildId, channelId },
      author: { id: 'U-ann', name: 'Ann', isBot: false },
      text,
      attachments: [],
      sentAt: new Date().toISOString(),
    };
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const botMessages = (channelId: string) => discord.channelMessages(channelId).filter((m) => m.author.id === discord.botUser.id);
  const answeredCount = async (ids: string[]) =>
    Number((await database.sql`select count(*) as n from inbound_deliveries where id in ${database.sql(ids)} and status = 'answered'`)[0]!.n);

  it('answers every question exactly once: one message each, holding the whole answer', async () => {
    const channelIds = discord.guilds[0]!.channelIds.slice(0, CONVERSATIONS);
    const questions = channelIds.map((channelId, i) =>
      question(channelId, `question ${i}: what survives a worker killed without warning, mid answer?`),
    );
    const ids = questions.map((q) => q.id);

    // Model requests made before the worker of the moment started: it is busy once it has made a few more.
    let requestsAtStart = model.requests.length;
    let worker = await startWorker();
    // Queued in bursts, so a kill finds some answers not yet started, some placeholders just posted, some streaming.
    for (let i = 0; i < CONVERSATIONS; i += 10) {
      for (const q of questions.slice(i, i + 10)) await producer.enqueue(q);
      await sleep(250);
    }
    const kills = 2; // BullMQ gives up on a job that stalls more than maxStalledCount (2) times
    for (let k = 0; k < kills; k++) {
      // Wait for this worker to be busy (the first has just been given work; a successor first recovers the stalled
      // jobs, after the dead worker's locks expire), then kill it at a random point within the next two seconds.
      await waitFor('the worker to be answering', () => model.requests.length > requestsAtStart + 5, 20_000);
      await sleep(Math.round(random() * 1500));
      const answered = await answeredCount(ids);
      await kill(worker);
      expect(answered, 'the kill must come while answers are in flight').toBeLessThan(CONVERSATIONS);
      requestsAtStart = model.requests.length;
      worker = await startWorker();
    }

    await waitFor('every question to be answered', async () => (await answeredCount(ids)) === CONVERSATIONS, 45_000).catch(async (error: Error) => {
      const states = await Promise.all(ids.map(async (id) => (await producer.queue.getJob(jobIdFor(id)))?.getState()));
      throw new Error(`${error.message}: ${await answeredCount(ids)} answered; jobs ${JSON.stringify(states)}\n${worker.output().slice(-6000)}`);
    });

    for (const [i, channelId] of channelIds.entries()) {
      const messages = botMessages(channelId);
      expect(messages.map((m) => m.content), `conversation ${i}`).toEqual([`Echo: [Ann] ${questions[i]!.text}`]);
    }
    // Some jobs really were taken from a dead worker by the stalled-job check, and none failed.
    const jobs = await Promise.all(ids.map((id) => producer.queue.getJob(jobIdFor(id))));
    expect(jobs.filter((job) => (job?.stalledCounter ?? 0) > 0).length).toBeGreaterThan(0);
    expect(await producer.queue.getJobCounts('failed')).toEqual({ failed: 0 });
  }, 120_000);

  it('tells the user when a message stalled too often (its workers kept dying), instead of leaving "Thinking…"', async () => {
    const channelId = discord.guilds[0]!.channelIds[CONVERSATIONS]!;
    const victim = question(channelId, 'a question whose answer never finishes');
    let worker = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null) ?? (await startWorker());
    await producer.enqueue(victim);
    await waitFor('the placeholder', () => botMessages(channelId).length === 1);
    // As if two earlier workers had died on it already: the next stall is one more than BullMQ allows (2).
    await redis.hset(`${prefix}:inbound:${jobIdFor(victim.id)}`, 'stc', 2);
    await kill(worker);
    worker = await startWorker();

    const status = async () => (await database.sql`select status from inbound_deliveries where id = ${victim.id}`)[0]?.status;
    await waitFor('the delivery to be given up', async () => (await status()) === 'failed', 20_000);
    // The placeholder became the error: one message, and nothing left saying "Thinking…".
    expect(botMessages(channelId).map((m) => m.content)).toEqual([expect.stringMatching(/^⚠️ .*something went wrong on my side/)]);
    expect(await (await producer.queue.getJob(jobIdFor(victim.id)))?.getState()).toBe('failed');
  }, 60_000);

  it('does not ask the model again for a message whose answer was stored before its worker died', async () => {
    const channelId = discord.guilds[0]!.channelIds[CONVERSATIONS + 1]!;
    const message = question(channelId, 'a question answered just before the kill');
    // What a run that died between storing its answer and marking the delivery leaves behind.
    const claim = await claimDelivery(database.sql, 'discord', message.address, message.id);
    const stored = { conversationId: claim.conversation.id, deliveryId: message.id, tokens: 5 };
    await saveMessage(database.sql, { ...stored, role: 'user', authorId: 'U-ann', authorName: 'Ann', text: message.text });
    await saveMessage(database.sql, { ...stored, role: 'assistant', authorId: 'xiaoliu', authorName: 'Xiaoliu', text: 'the answer' });
    const worker = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null) ?? (await startWorker());
    await producer.enqueue(message);

    const status = async () => (await database.sql`select status from inbound_deliveries where id = ${message.id}`)[0]?.status;
    await waitFor('the delivery to be marked answered', async () => (await status()) === 'answered');
    expect(model.requests.filter((r) => lastUserText(r.body).includes(message.text))).toEqual([]);
    expect(botMessages(channelId)).toEqual([]);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 60_000);
});
