import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../src/store/database.js';
import { silentLogger } from './support/silent-logger.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('creates the database when missing and applies every migration', async () => {
    const tables = await database.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['conversations', 'inbound_deliveries', 'messages', 'replies', 'usage']),
    );
  });

  it('is safe to migrate from several processes at once', async () => {
    await Promise.all([1, 2, 3].map(() => runMigrations(database.url, silentLogger())));
    const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    // Each migration applied exactly once, however many processes raced to apply it.
    const journal = JSON.parse(readFileSync('migrations/meta/_journal.json', 'utf8')) as { entries: unknown[] };
    expect(row?.n).toBe(journal.entries.length);
  });
});
