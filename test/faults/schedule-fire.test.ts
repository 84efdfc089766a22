import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import { createInboundProducer, jobIdFor, type InboundProducer } from '../../src/queue/inbound-queue.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { lastUserText } from '../fakes/fake-anthropic-wire.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { snowflake, startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { spawnProcess, type RunningProcess } from '../support/spawn-process.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { nodeArgsOf } from '../support/npm-script.js';

// A schedule firing every 3 seconds, taken by three real worker processes (`node … dist/src/main.js worker`, as
// `npm run worker` runs it). At one tick the worker answering that fire is killed with SIGKILL; later every worker is
// replaced, one at a time. Every tick must still be posted exactly once: one message per fire, none missed.

/** Short, so a killed worker's jobs come back within seconds instead of the production 30 s. */
const LOCK_MS = 2000;
const EVERY_S = 3;
const PROMPT = 'tick report';

describe('a schedule fires exactly once per tick with three workers, one killed at the tick, all restarted', () => {
  const prefix = `xt-${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let model: FakeAnthropic;
  let discord: FakeDiscord;
  let producer: InboundProducer;
  let redis: ReturnType<typeof createRedis>;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // About a second and a half per answer, streamed: the kill lands while the fire is being answered.
    model = await startFakeAnthropic({ firstTokenDelayMs: 300, tokensPerSecond: 6 });
    model.setReply((req) => ({ kind: 'text', text: `Report: ${lastUserText(req.body)} is fine` }));
    discord = await startFakeDiscord({ rateLimitWindowMs: 500 });
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
      SCHEDULE_MIN_INTERVAL_SECONDS: '1',
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

  function message(text: string): InboundMessage {
    return {
      v: 1,
      id: `discord-${snowflake()}`,
      platform: 'discord',
      kind: 'mention',
      address: { workspaceId: discord.guildId, channelId: discord.channelId },
      author: { id: 'U-ann', name: 'Ann', isBot: false },
      text,
      attachments: [],
      sentAt: new Date().toISOString(),
    };
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const posts = () => discord.channelMessages(discord.channelId).filter((m) => m.author.id === discord.botUser.id && m.content.startsWith('Report:'));
  const runs = async (scheduleId: number) =>
    database.sql<{ fireAt: string; deliveryId: string; skipped: string | null; status: string | null }[]>`
      select (extract(epoch from r.fire_at) * 1000)::bigint::text as "fireAt", r.delivery_id as "deliveryId", r.skipped, d.status
      from schedule_runs r left join inbound_deliveries d on d.id = r.delivery_id where r.schedule_id = ${scheduleId} order by r.fire_at`;
  const answeredRuns = async (scheduleId: number) => (await runs(scheduleId)).filter((r) => r.status === 'answered').length;
  const alive = () => workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);

  it('posts one message per tick, through a SIGKILL at a tick and a rolling restart of every worker', async () => {
    for (let i = 0; i < 3; i++) await startWorker();

    const create = message(`schedule cron */${EVERY_S} * * * * * UTC: ${PROMPT}`);
    await producer.enqueue(create);
    await waitFor('the schedule to be made', async () => (await database.sql`select status from inbound_deliveries where id = ${create.id}`)[0]?.status === 'answered', 20_000);
    const confirmation = discord.channelMessages(discord.channelId).find((m) => m.content.startsWith('Scheduled #'))!;
    expect(confirmation.content).toContain(`cron \`*/${EVERY_S} * * * * *\` in UTC`);
    const scheduleId = Number(/^Scheduled #(\d+)/.exec(confirmation.content)![1]);

    await waitFor('two fires to be posted', async () => (await answeredRuns(scheduleId)) >= 2, 20_000);

    // The next fire: as soon as the model is asked for it, kill the worker answering it (BullMQ records which worker
    // took a job, `processedBy`, from the Worker's name: host:pid).
    const asked = model.requests.filter((r) => lastUserText(r.body).includes(PROMPT)).length;
    await waitFor('the next fire to reach the model', () => model.requests.filter((r) => lastUserText(r.body).includes(PROMPT)).length > asked, 10_000);
    const inFlight = (await runs(scheduleId)).at(-1)!;
    const job = await producer.queue.getJob(jobIdFor(inFlight.deliveryId));
    const pid = Number(job?.processedBy?.split(':').at(-1));
    const victim = alive().find((w) => w.child.pid === pid);
    expect(victim, `the worker answering ${inFlight.deliveryId} (processedBy ${job?.processedBy})`).toBeDefined();
    victim!.child.kill('SIGKILL');
    expect(await victim!.exited).toBe(null);
    await waitFor('the killed fire to be answered by another worker', async () => (await runs(scheduleId)).find((r) => r.deliveryId === inFlight.deliveryId)?.status === 'answered', 30_000);

    // Every worker replaced, one at a time: a new one up before an old one stops (SIGTERM, gracefully).
    for (const old of alive()) {
      await startWorker();
      old.child.kill('SIGTERM');
      expect(await old.exited).toBe(0);
    }
    const before = await answeredRuns(scheduleId);
    await waitFor('two more fires after the restarts', async () => (await answeredRuns(scheduleId)) >= before + 2, 20_000);

    await producer.enqueue(message(`schedule pause ${scheduleId}`));
    await waitFor('the schedule to be paused', () => discord.channelMessages(discord.channelId).some((m) => m.content.startsWith(`Paused schedule #${scheduleId}`)), 20_000);
    // Fires already queued finish; nothing is pending after that.
    await waitFor('every fire to finish', async () => (await runs(scheduleId)).every((r) => r.skipped || r.status === 'answered'), 30_000);
    await sleep(EVERY_S * 1000 + 500);

    const fired = (await runs(scheduleId)).filter((r) => !r.skipped);
    expect(fired.length).toBeGreaterThanOrEqual(5);
    // One run per tick, none missed: consecutive fire times are exactly one period apart.
    const times = fired.map((r) => Number(r.fireAt));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `gap before fire ${i}`).toBe(EVERY_S * 1000);
    // Exactly one message per fire, each holding the whole answer, and one reply part recorded for each.
    expect(posts().map((m) => m.content)).toEqual(fired.map(() => `Report: [Ann] ${PROMPT} is fine`));
    const parts = await database.sql<{ n: number }[]>`select count(*)::int as n from replies where delivery_id in ${database.sql(fired.map((r) => r.deliveryId))} group by delivery_id`;
    expect(parts.map((p) => p.n)).toEqual(fired.map(() => 1));
    // The model was asked once per fire, but for the one whose worker died mid-answer (asked again by its retry).
    const asks = model.requests.filter((r) => lastUserText(r.body).includes(PROMPT)).length;
    expect(asks).toBeGreaterThanOrEqual(fired.length);
    expect(asks).toBeLessThanOrEqual(fired.length + 1);
  }, 150_000);
});
