import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess } from './support/spawn-process.js';
import { TEST_PG_SERVER, createTestDatabase, type TestDatabase } from './support/test-database.js';
import { nodeArgsOf } from './support/npm-script.js';

// `npm run backup` and `npm run restore` as the operator runs them: real processes, the real pg_dump and pg_restore,
// the real Postgres. DATABASE_URL carries a password (the local server trusts 127.0.0.1, so any works), and it must
// never be printed.
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

function withPassword(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = PASSWORD;
  return u.toString();
}

/** Runs one of the ops scripts to its end; returns its exit code and everything it printed. */
async function run(script: 'backup' | 'restore', args: string[], env: Record<string, string>) {
  const child = spawnProcess([...nodeArgsOf(script), ...args], { LOG_LEVEL: 'warn', ...env });
  const code = await child.exited;
  return { code, output: child.output() };
}

/** Rows in every table of a database, by table name. */
async function rowCounts(url: string): Promise<Record<string, number>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ schema: string; name: string }[]>`
      select table_schema as schema, table_name as name from information_schema.tables
      where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE' order by 1, 2`;
    const counts: Record<string, number> = {};
    for (const t of tables) {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(t.schema)}.${sql(t.name)}`;
      counts[`${t.schema}.${t.name}`] = row!.n;
    }
    return counts;
  } finally {
    await sql.end();
  }
}

const BACKUP_NAME = /^xiaoliu_test_[0-9a-f]+-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z\.dump$/;

describe('npm run backup / npm run restore (real pg_dump, pg_restore and Postgres)', () => {
  let source: TestDatabase;
  let dir: string;
  const restored = `xiaoliu_test_${randomBytes(5).toString('hex')}_restored`;
  const outputs: string[] = [];

  beforeAll(async () => {
    source = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'xiaoliu-backups-'));
    const sql = source.sql;
    // Rows in several tables, with the foreign keys between them, text in two scripts and bytes.
    const [conversation] = await sql<{ id: string }[]>`
      insert into conversations (platform, workspace_id, channel_id, thread_id) values ('slack', 'T1', 'C1', '1700.1') returning id`;
    for (const n of [1, 2, 3]) {
      await sql`insert into inbound_deliveries (id, conversation_id, status) values (${`d-${n}`}, ${conversation!.id}, 'answered')`;
      await sql`
        insert into messages (conversation_id, delivery_id, role, author_id, author_name, text, tokens)
        values (${conversation!.id}, ${`d-${n}`}, 'user', 'U1', 'Ann', ${`问题 ${n}: how do backups work?`}, 9),
               (${conversation!.id}, ${`d-${n}`}, 'assistant', 'xiaoliu', 'Xiaoliu', ${`Answer ${n}`}, 4)`;
      await sql`insert into replies (delivery_id, part, platform, message_id) values (${`d-${n}`}, 0, 'slack', ${`1700.${n}`})`;
      await sql`
        insert into usage (delivery_id, conversation_id, platform, workspace_id, channel_id, user_id, model, input_tokens, output_tokens, cost_usd)
        values (${`d-${n}`}, ${conversation!.id}, 'slack', 'T1', 'C1', 'U1', 'claude-sonnet-5-5', 100, 50, 0.00105)`;
    }
    await sql`insert into api_keys (id, key_hash, user_id, name) values ('k_test', 'hash-not-a-key', 'alice', 'laptop')`;
    await sql`
      insert into http_files (id, user_id, conversation_id, delivery_id, filename, mime_type, size, data)
      values ('00000000-0000-4000-8000-00000000000f', 'alice', 'c-1', 'd-1', 'answer.md', 'text/markdown', 4, ${Buffer.from([0, 1, 2, 255])})`;
  });

  afterAll(async () => {
    await source?.drop();
    const admin = postgres(`${TEST_PG_SERVER}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${restored}" with (force)`);
    await admin.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ DATABASE_URL: withPassword(source.url), BACKUP_DIR: dir, BACKUP_KEEP: '2' });

  it('backs up, and restores into a new database with every row of every table', async () => {
    const backup = await run('backup', [], env());
    outputs.push(backup.output);
    expect(backup.code, backup.output).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(BACKUP_NAME);
    expect(backup.output).toContain(join(dir, files[0]!));

    const target = withPassword(`${TEST_PG_SERVER}/${restored}`);
    const restore = await run('restore', [join(dir, files[0]!)], { DATABASE_URL: target });
    outputs.push(restore.output);
    expect(restore.code, restore.output).toBe(0);
    expect(restore.output).toMatch(new RegExp(`restored .* into database "${restored}" .*: \\d+ tables, 6 messages`));

    const before = await rowCounts(source.url);
    expect(before['public.messages']).toBe(6);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['public.usage', 'public.replies', 'public.http_files', 'drizzle.__drizzle_migrations']));
    expect(await rowCounts(`${TEST_PG_SERVER}/${restored}`)).toEqual(before);
    // Contents too, not just counts: text in two scripts and raw bytes survive the round trip.
    const copy = postgres(`${TEST_PG_SERVER}/${restored}`, { max: 1, onnotice: () => {} });
    try {
      const [message] = await copy<{ text: string }[]>`select text from messages where delivery_id = 'd-2' and role = 'user'`;
      expect(message!.text).toBe('问题 2: how do backups work?');
      const [file] = await copy<{ data: Buffer }[]>`select data from http_files`;
      expect([...file!.data]).toEqual([0, 1, 2, 255]);
    } finally {
      await copy.end();
    }
  });

  it('keeps only the newest BACKUP_KEEP of its own backups, and no other file in the folder', async () => {
    const others = ['notes.txt', 'otherdb-2020-01-01T00-00-00.000Z.dump', 'xiaoliu-manual.dump'];
    for (const name of others) writeFileSync(join(dir, name), 'not mine');
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const backup = await run('backup', [], env());
      outputs.push(backup.output);
      expect(backup.code, backup.output).toBe(0);
      made.push(/wrote (\S+)/.exec(backup.output)![1]!);
    }
    const left = readdirSync(dir).sort();
    // The two newest (names sort in time order), and every file that is not one of its backups.
    expect(left).toEqual([...others, ...made.slice(-2).map((f) => f.slice(dir.length + 1))].sort());
    expect(outputs.at(-1)).toMatch(/deleted 1 older/);
  });

  it('refuses to restore into a database that is not empty, naming it, and changes nothing', async () => {
    const file = readdirSync(dir).filter((f) => BACKUP_NAME.test(f)).sort().at(-1)!;
    const before = await rowCounts(source.url);
    const refused = await run('restore', [join(dir, file)], { DATABASE_URL: withPassword(source.url) });
    outputs.push(refused.output);
    expect(refused.code).toBe(1);
    const name = new URL(source.url).pathname.slice(1);
    expect(refused.output).toContain(`database "${name}" on`);
    expect(refused.output).toMatch(/is not empty \(it has .*(conversations|\(\d+ tables\)).*\); nothing was changed/);
    expect(refused.output).toContain(`dropdb --force`);
    expect(await rowCounts(source.url)).toEqual(before);
  });

  it('says what is wrong with a file that is not a backup, or a database it cannot reach', async () => {
    const notBackup = join(dir, 'notes.txt');
    const bad = await run('restore', [notBackup], { DATABASE_URL: withPassword(`${TEST_PG_SERVER}/${restored}_never`) });
    outputs.push(bad.output);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain(`${notBackup} is not a backup made by npm run backup`);

    const missing = await run('backup', [], { ...env(), DATABASE_URL: withPassword(`${TEST_PG_SERVER}/no_such_database_here`) });
    outputs.push(missing.output);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/backup: pg_dump failed: .*database "no_such_database_here" does not exist/s);
    // Nothing half-written is left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('says to install the PostgreSQL client when pg_dump is missing', async () => {
    const result = await run('backup', [], { ...env(), PATH: '/nonexistent' });
    outputs.push(result.output);
    expect(result.code).toBe(1);
    expect(result.output).toContain('pg_dump is not installed');
    expect(result.output).toContain('apt-get install postgresql-client');
  });

  it('never prints the database password', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(8);
    for (const output of outputs) expect(output).not.toContain(PASSWORD);
  });
});
