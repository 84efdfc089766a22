import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { readConfig, type Config } from '../config/read-config.js';
import { createLogger } from '../log/create-logger.js';
import { openDatabase } from '../store/database.js';
import { pgTarget, requirePgTool, runPgTool, type PgTarget } from './pg-tools.js';

/*
 * npm run restore FILE    restores a backup (npm run backup) into DATABASE_URL's database, which must be empty or
 *                         not exist yet (it is created). Nothing is ever overwritten.
 */

/** What a restore put in the database. */
export interface RestoreResult {
  tables: number;
  messages: number;
}

/** A restore refused before anything was changed; the message says why and what to do. */
export class RestoreRefused extends Error {
  override readonly name = 'RestoreRefused';
}

/**
 * Restores a custom-format dump into an empty database, in one transaction: it either all arrives or nothing does.
 * Owners and grants are left out, so a backup of one deployment restores under another's database user.
 */
export async function restoreDatabase(config: Config, file: string): Promise<RestoreResult> {
  const target = pgTarget(config.databaseUrl);
  await requirePgTool('pg_restore');
  try {
    await access(file, constants.R_OK);
  } catch {
    throw new RestoreRefused(`cannot read ${file}: give the path of a backup made by npm run backup`);
  }
  // Reading the archive's table of contents checks it is a pg_dump archive before any database is touched.
  await runPgTool('pg_restore', ['--list', file], target).catch((error: Error) => {
    throw new RestoreRefused(`${file} is not a backup made by npm run backup (${error.message})`);
  });

  const log = createLogger({ level: 'warn', name: 'xiaoliu-restore' }, process.stderr);
  const database = await openDatabase(config.databaseUrl, log, { max: 1 }); // creates the database if missing
  try {
    const tables = await database.sql<{ name: string }[]>`
      select table_name as name from information_schema.tables
      where table_schema not in ('pg_catalog', 'information_schema') order by table_name`;
    if (tables.length > 0) throw new RestoreRefused(notEmpty(target, tables.map((t) => t.name)));
  } finally {
    await database.close();
  }

  await runPgTool(
    'pg_restore',
    ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--no-password', `--dbname=${target.database}`, file],
    target,
  );

  const restored = await openDatabase(config.databaseUrl, log, { max: 1 });
  try {
    const [row] = await restored.sql<{ tables: number; hasMessages: boolean }[]>`
      select count(*)::int as tables, bool_or(table_name = 'messages') as "hasMessages" from information_schema.tables
      where table_schema not in ('pg_catalog', 'information_schema')`;
    const [counted] = row?.hasMessages ? await restored.sql<{ n: number }[]>`select count(*)::int as n from messages` : [];
    return { tables: row?.tables ?? 0, messages: counted?.n ?? 0 };
  } finally {
    await restored.close();
  }
}

function notEmpty(target: PgTarget, tables: string[]): string {
  const shown = tables.length > 6 ? `${tables.slice(0, 6).join(', ')}, … (${tables.length} tables)` : tables.join(', ');
  const user = target.user ? ` -U ${target.user}` : '';
  return [
    `${target.where} is not empty (it has ${shown}); nothing was changed.`,
    'A backup is restored only into an empty database. Either set DATABASE_URL to a new database name (restore',
    'creates it), or stop Xiaoliu and drop this one first:',
    `  dropdb --force -h ${target.host} -p ${target.port}${user} ${target.database}`,
    `  (Compose: docker compose exec postgres dropdb --force -U xiaoliu ${target.database})`,
  ].join('\n');
}

async function main(args: string[]): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = readConfig(process.env);
  const [file, ...rest] = args;
  if (!file || rest.length > 0 || file.startsWith('-')) {
    process.stderr.write('restore: usage: npm run restore FILE   (a backup made by npm run backup)\n');
    return 2;
  }
  const { where } = pgTarget(config.databaseUrl);
  const result = await restoreDatabase(config, file);
  process.stdout.write(
    `restore: restored ${file} into ${where}: ${result.tables} tables, ${result.messages} messages.\n` +
      'Start Xiaoliu (or run npm run migrate) to bring an older backup up to the current schema.\n',
  );
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`restore: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
