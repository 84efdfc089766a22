import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config/read-config.js';
import { deleteExpiredData } from '../src/maintenance/retention-job.js';
import { RETENTION_LOCK_ID, RETENTION_SCHEDULER, startMaintenance, type RunningMaintenance } from '../src/maintenance/start-maintenance.js';
import { createRedis } from '../src/redis/create-redis.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

describe('data retention (real Postgres, Redis and BullMQ)', () => {
  let database: TestDatabase;
  const prefixes: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    const redis = createRedis(TEST_REDIS_URL);
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
    }
    await redis.quit();
  });

  /** Rows of every kind, some from `days` ago and some from today, in a database emptied first. */
  async function seed(sql = database.sql) {
    await sql`truncate conversations, messages, inbound_deliveries, replies, usage, http_files, audit_log restart identity cascade`;
    const old = sql`now() - interval '200 days'`;
    const conversation = async (thread: string, createdAt = sql`now()`) => {
      const [row] = await sql<{ id: string }[]>`
        insert into conversations (platform, workspace_id, channel_id, thread_id, created_at)
        values ('shell', 'W1', 'C1', ${thread}, ${createdAt}) returning id`;
      return Number(row!.id);
    };
    const message = (conversationId: number, delivery: string, role: 'user' | 'assistant', createdAt = sql`now()`) => sql`
      insert into messages (conversation_id, delivery_id, role, author_id, author_name, text, tokens, created_at)
      values (${conversationId}, ${delivery}, ${role}, ${role === 'user' ? 'U1' : 'xiaoliu'}, 'Ann', 'something said', 3, ${createdAt})`;
    const file = (id: string, createdAt = sql`now()`) => sql`
      insert into http_files (id, user_id, conversation_id, delivery_id, filename, mime_type, size, data, created_at)
      values (${id}, 'alice', 'c-1', 'd-1', 'answer.md', 'text/markdown', 3, ${Buffer.from('abc')}, ${createdAt})`;

    // All said long ago: its messages go, and then the empty conversation too.
    const gone = await conversation('T-gone', old);
    for (const n of [1, 2]) {
      await message(gone, `gone-${n}`, 'user', old);
      await message(gone, `gone-${n}`, 'assistant', old);
    }
    // Old thread still in use: the old messages go, the new one and the conversation stay.
    const live = await conversation('T-live', old);
    await message(live, 'live-1', 'user', old);
    await message(live, 'live-2', 'user');
    // Old, empty, but just asked in again (delivery claimed, question not stored yet): it stays.
    const claimed = await conversation('T-claimed', old);
    await sql`insert into inbound_deliveries (id, conversation_id, status) values ('claimed-1', ${claimed}, 'processing')`;
    // New and empty: stays.
    await conversation('T-new');
    // Usage holds no text: kept whatever its age.
    await sql`
      insert into usage (delivery_id, conversation_id, platform, workspace_id, channel_id, user_id, model, input_tokens, output_tokens, created_at)
      values ('gone-1', ${gone}, 'shell', 'W1', 'C1', 'U1', 'claude-sonnet-5-5', 10, 20, ${old})`;
    await file('00000000-0000-4000-8000-000000000001', old);
    await file('00000000-0000-4000-8000-000000000002', old);
    await file('00000000-0000-4000-8000-000000000003');
    // The audit log has a limit of its own (AUDIT_RETENTION_DAYS, default 365): who changed what outlives what was said.
    for (const [detail, age] of [['400 days ago', '400 days'], ['200 days ago', '200 days'], ['today', '0 days']] as const) {
      await sql`
        insert into audit_log (at, platform, workspace_id, channel_id, actor_platform, actor_id, actor_name, action, detail)
        values (now() - ${age}::interval, 'shell', 'W1', 'C1', 'shell', 'U1', 'Ann', 'config.model', ${detail})`;
    }
  }

  async function remaining() {
    const sql = database.sql;
    const messages = await sql<{ delivery_id: string; role: string }[]>`select delivery_id, role from messages order by id`;
    const conversations = await sql<{ thread_id: string }[]>`select thread_id from conversations order by id`;
    const files = await sql<{ id: string }[]>`select id from http_files order by id`;
    const [usage] = await sql<{ n: number }[]>`select count(*)::int as n from usage`;
    const audit = await sql<{ detail: string }[]>`select detail from audit_log order by at`;
    return {
      messages: messages.map((m) => `${m.delivery_id}/${m.role}`),
      conversations: conversations.map((c) => c.thread_id),
      files: files.map((f) => f.id.slice(-1)),
      usage: usage!.n,
      audit: audit.map((a) => a.detail),
    };
  }

  const AFTER = {
    messages: ['live-2/user'],
    conversations: ['T-live', 'T-claimed', 'T-new'],
    files: ['3'],
    usage: 1,
    audit: ['200 days ago', 'today'],
  };

  beforeEach(() => seed());

  it('reads RETENTION_DAYS: 90 by default, 0 keeps everything, anything else is refused naming the variable', () => {
    expect(readConfig({}).auditRetentionDays).toBe(365);
    expect(readConfig({ AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays).toBe(0);
    expect(() => readConfig({ AUDIT_RETENTION_DAYS: 'forever' })).toThrow(/^AUDIT_RETENTION_DAYS must be a whole number/);
    expect(readConfig({}).retentionDays).toBe(90);
    expect(readConfig({ RETENTION_DAYS: '0' }).retentionDays).toBe(0);
    expect(() => readConfig({ RETENTION_DAYS: 'a month' })).toThrow(/^RETENTION_DAYS must be a whole number/);
    expect(() => readConfig({ RETENTION_DAYS: '-1' })).toThrow(/^RETENTION_DAYS must be a whole number/);
    expect(readConfig({}).backup).toEqual({ dir: './backups', keep: 14 });
    expect(() => readConfig({ BACKUP_KEEP: '0' })).toThrow(/^BACKUP_KEEP must be a whole number from 1/);
  });

  it('deletes messages, HTTP files and emptied conversations older than the limit, in batches; keeps newer ones and usage', async () => {
    expect((await remaining()).messages).toHaveLength(6);
    // Batches of 2 (files: 1), so the five old messages take three statements and the loop must go round.
    const deleted = await deleteExpiredData(database.sql, { days: 30, auditDays: 365, batchRows: 2 });
    expect(deleted).toEqual({ messages: 5, httpFiles: 2, attachments: 0, conversations: 1, personalMemories: 0, channelPosts: 0, auditEntries: 1 });
    expect(await remaining()).toEqual(AFTER);
    // A second run finds nothing more.
    expect(await deleteExpiredData(database.sql, { days: 30, auditDays: 365 })).toEqual({ messages: 0, httpFiles: 0, attachments: 0, conversations: 0, personalMemories: 0, channelPosts: 0, auditEntries: 0 });
  });

  it('keeps everything younger than the limit', async () => {
    expect(await deleteExpiredData(database.sql, { days: 365, auditDays: 500 })).toEqual({ messages: 0, httpFiles: 0, attachments: 0, conversations: 0, personalMemories: 0, channelPosts: 0, auditEntries: 0 });
    expect((await remaining()).messages).toHaveLength(6);
    expect((await remaining()).audit).toHaveLength(3);
  });

  it('deletes audit entries under their own limit: older ones go, recent ones stay, messages are not touched', async () => {
    // RETENTION_DAYS=0 keeps messages forever; the audit log still has its own limit, in batches of 1.
    expect(await deleteExpiredData(database.sql, { days: 0, auditDays: 100, batchRows: 1 })).toEqual({ messages: 0, httpFiles: 0, attachments: 0, conversations: 0, personalMemories: 0, channelPosts: 0, auditEntries: 2 });
    expect(await remaining()).toMatchObject({ audit: ['today'], files: ['1', '2', '3'] });
    expect((await remaining()).messages).toHaveLength(6);
  });

  it('stops between batches when the worker shuts down', async () => {
    const stop = new AbortController();
    stop.abort();
    expect(await deleteExpiredData(database.sql, { days: 30, auditDays: 1, signal: stop.signal })).toEqual({ messages: 0, httpFiles: 0, attachments: 0, conversations: 0, personalMemories: 0, channelPosts: 0, auditEntries: 0 });
  });

  function config(env: Record<string, string> = {}) {
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    return readConfig({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, RETENTION_DAYS: '30', ...env });
  }

  it('schedules one job per period however many workers register it; a run still going makes the next step aside', async () => {
    const shared = config();
    const started: RunningMaintenance[] = [];
    // A run that is still going (as a first run over a huge backlog can be when the next period comes) holds the lock.
    const busy = await database.sql.reserve();
    await busy`select pg_advisory_lock(${RETENTION_LOCK_ID})`;
    try {
      // Three worker processes start (and register the schedule) at once.
      for (let i = 0; i < 3; i++) started.push(await startMaintenance({ config: shared, sql: database.sql, log: silentLogger() }, { everyMs: 300 }));
      const queue = started[0]!.queue;
      expect(await queue.getJobSchedulers()).toEqual([expect.objectContaining({ key: RETENTION_SCHEDULER, every: 300 })]);

      // Runs come, one job per period, and step aside while the lock is held: nothing is deleted twice at once.
      await waitFor('two runs that stepped aside', async () => (await queue.getJobCountByTypes('completed')) >= 2);
      const skipped = await queue.getJobs(['completed']);
      expect(skipped.map((job) => job.returnvalue)).toEqual(skipped.map(() => ({ skipped: 'another run is still going' })));
      expect((await remaining()).messages).toHaveLength(6);

      await busy`select pg_advisory_unlock(${RETENTION_LOCK_ID})`;
      await waitFor('a retention run', async () => JSON.stringify(await remaining()) === JSON.stringify(AFTER));
      await waitFor('the run to complete', async () =>
        (await queue.getJobs(['completed'])).some((job) => JSON.stringify(job.returnvalue) === JSON.stringify({ messages: 5, httpFiles: 2, attachments: 0, conversations: 1, personalMemories: 0, channelPosts: 0, auditEntries: 1, redisItems: 0 })),
      );
      expect(await queue.getJobCountByTypes('failed')).toBe(0);
    } finally {
      busy.release();
      for (const m of started) await m.close();
    }
  });

  it('removes the schedule when RETENTION_DAYS and AUDIT_RETENTION_DAYS are both 0', async () => {
    const on = config();
    const first = await startMaintenance({ config: on, sql: database.sql, log: silentLogger() }, { everyMs: 60_000 });
    expect(await first.queue.getJobSchedulersCount()).toBe(1);
    await first.close();
    // Messages kept forever, the audit log not: the schedule stays.
    const auditOnly = await startMaintenance({ config: { ...on, retentionDays: 0 }, sql: database.sql, log: silentLogger() }, { everyMs: 60_000 });
    expect(await auditOnly.queue.getJobSchedulersCount()).toBe(1);
    await auditOnly.close();
    const off = await startMaintenance({ config: { ...on, retentionDays: 0, auditRetentionDays: 0 }, sql: database.sql, log: silentLogger() });
    try {
      expect(await off.queue.getJobSchedulersCount()).toBe(0);
    } finally {
      await off.close();
    }
  });

  it('runs in the worker role of the app', async () => {
    const appConfig = testConfig(database, 'http://127.0.0.1:9', { RETENTION_DAYS: '30' });
    prefixes.push(appConfig.queuePrefix);
    const app = await startTestApp(appConfig, [], { gateway: false, worker: true });
    try {
      // The scheduler's first job runs as soon as it is registered, then hourly.
      await waitFor('the retention run', async () => JSON.stringify(await remaining()) === JSON.stringify(AFTER));
    } finally {
      await app.close();
    }
  });
});
