import { fileURLToPath } from 'node:url';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { ConfigError } from '../domain/errors.js';
import type { Logger } from '../log/create-logger.js';
import * as schema from './schema.js';

/** Drizzle over the schema: for queries where readability beats speed (reports, admin). */
export type Db = PostgresJsDatabase<typeof schema>;

/**
 * The raw postgres.js client. The per-message hot path uses it directly: drizzle's query building cost more CPU per
 * message than everything else the worker does (profiled), and plain tagged SQL is just as safe from injection.
 */
export type Sql = postgres.Sql;

/** A connected database. */
/** Error codes of postgres.js (and the socket under it) that mean "the database is not reachable right now". */
const DATABASE_DOWN = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  '57P01', '57P02', '57P03', // admin_shutdown, crash_shutdown, cannot_connect_now (a restart or failover)
]);

/** Whether an error means "Postgres is not reachable right now" (an outage or restart), as opposed to a bad query. */
export function isDatabaseDown(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DATABASE_DOWN.has(code);
}

export interface Database {
  db: Db;
  sql: Sql;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));
// Any constant works; it only has to be the same in every Xiaoliu process sharing a database.
const MIGRATION_LOCK_ID = 7_412_260_001;

/** Connects to the database, creating it first if the server does not have it yet. */
export async function openDatabase(url: string, log: Logger, options: { max?: number } = {}): Promise<Database> {
  try {
    await createDatabaseIfMissing(url, log);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    const where = new URL(url).host;
    throw new ConfigError('DATABASE_URL', `cannot use Postgres at ${where} (${code ?? message}): is it running, and does DATABASE_URL point at it?`);
  }
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {}, // "relation already exists, skipping" and the like are not worth a log line
    connect_timeout: 10,
    // postgres.js waits up to 20 s between reconnects after a long outage; capped at 2 s, answers resume within
    // seconds of Postgres coming back (the delay is in seconds, with jitter as postgres.js's own).
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 2),
  });
  return { db: drizzle(sql, { schema }), sql, close: () => sql.end({ timeout: 5 }) };
}

/** Applies the committed SQL migrations; an advisory lock keeps processes starting together from racing. */
export async function runMigrations(url: string, log: Logger): Promise<void> {
  const started = performance.now();
  // One connection only, so the session-level lock and the migrator's own transaction share a session.
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migrate(drizzle(sql, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  log.info({ ms: Math.round(performance.now() - started) }, 'database schema is up to date');
}

async function createDatabaseIfMissing(url: string, log: Logger): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return;
    await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
    log.info({ database: name }, 'created database');
  } catch (error) {
    // 42P04: another process created it between our check and our create.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
