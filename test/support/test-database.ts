import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, runMigrations, type Database } from '../../src/store/database.js';
import { silentLogger } from './silent-logger.js';

/** The Postgres server tests use; the machine's own, over a real connection. */
export const TEST_PG_SERVER = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** A fresh, migrated database of its own for one test file, dropped by `drop()`. */
export interface TestDatabase extends Database {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `xiaoliu_test_${randomBytes(5).toString('hex')}`;
  const url = `${TEST_PG_SERVER}/${name}`;
  const database = await openDatabase(url, silentLogger());
  await runMigrations(url, silentLogger());
  return {
    ...database,
    url,
    async drop() {
      await database.close();
      const admin = postgres(`${TEST_PG_SERVER}/postgres`, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
