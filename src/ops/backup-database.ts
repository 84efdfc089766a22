import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readConfig, type Config } from '../config/read-config.js';
import { pgTarget, requirePgTool, runPgTool } from './pg-tools.js';

/*
 * npm run backup                     one dump of DATABASE_URL's database into BACKUP_DIR, keeping the newest BACKUP_KEEP
 * npm run backup -- --every 24h      the same now and then every 24 hours (the Compose `backup` service); m, h or d
 */

/** What one backup wrote and which older backups it deleted. */
export interface BackupResult {
  file: string;
  bytes: number;
  deleted: string[];
}

/**
 * Dumps the database in pg_dump's custom format (-Fc): compressed as it is written, and pg_restore can check and
 * list an archive before touching any database and restore it in one transaction, which a gzipped SQL script piped
 * into psql cannot. The dump is written under a temporary name and renamed when complete, so a file with a backup's
 * name is always a whole backup, and pruning never counts a half-written one.
 */
export async function backupDatabase(config: Config, signal?: AbortSignal): Promise<BackupResult> {
  const target = pgTarget(config.databaseUrl);
  await requirePgTool('pg_dump');
  const dir = resolve(config.backup.dir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, backupFileName(target.database, new Date()));
  const partial = `${file}.partial`;
  try {
    // --no-password: fail at once rather than wait for a password prompt no one will answer (cron, Compose).
    await runPgTool('pg_dump', ['--format=custom', '--no-password', `--file=${partial}`], target, signal);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const { size } = await stat(file);
  return { file, bytes: size, deleted: await pruneBackups(dir, target.database, config.backup.keep) };
}

/** `xiaoliu-2026-11-25T04-02-15.123Z.dump`: the database's name and the UTC time; names sort in time order. */
export function backupFileName(database: string, at: Date): string {
  return `${safeName(database)}-${at.toISOString().replaceAll(':', '-')}.dump`;
}

/** Deletes all but the newest `keep` backups of this database; other files in the folder are never touched. */
export async function pruneBackups(dir: string, database: string, keep: number): Promise<string[]> {
  const mine = new RegExp(`^${safeName(database)}-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3}Z\\.dump$`);
  const backups = (await readdir(dir)).filter((name) => mine.test(name)).sort();
  const old = backups.slice(0, Math.max(0, backups.length - keep));
  for (const name of old) await rm(join(dir, name), { force: true });
  return old;
}

/** Database names may hold anything; file names here hold letters, digits, _ and - only. */
function safeName(database: string): string {
  return database.replace(/[^\w-]/g, '_');
}

/** `--every 24h` → milliseconds; minutes, hours or days, at least a minute. */
function parseEvery(text: string): number | undefined {
  const match = /^(\d+)(m|h|d)$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return ms >= 60_000 ? ms : undefined;
}

function describe(result: BackupResult): string {
  const kept = result.deleted.length ? `; deleted ${result.deleted.length} older: ${result.deleted.join(', ')}` : '';
  return `wrote ${result.file} (${(result.bytes / 1024).toFixed(1)} KiB)${kept}`;
}

async function main(args: string[]): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = readConfig(process.env);
  const everyArg = args[0] === '--every' ? args[1] : undefined;
  const every = everyArg ? parseEvery(everyArg) : undefined;
  if (args.length > 0 && (args.length !== 2 || every === undefined)) {
    process.stderr.write('backup: usage: npm run backup [-- --every 24h]   (m, h or d; at least 1m)\n');
    return 2;
  }
  const { where } = pgTarget(config.databaseUrl);
  const stop = new AbortController();
  let wake: () => void = () => {};
  // SIGTERM (docker stop) ends a running pg_dump and removes its partial file, so nothing half-written is left.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stop.abort();
      wake();
    });
  }
  if (every === undefined) {
    const result = await backupDatabase(config, stop.signal);
    process.stdout.write(`backup: ${where}: ${describe(result)}\n`);
    return 0;
  }
  process.stdout.write(`backup: backing up ${where} now and every ${everyArg}, keeping the newest ${config.backup.keep}\n`);
  while (!stop.signal.aborted) {
    try {
      const result = await backupDatabase(config, stop.signal);
      process.stdout.write(`${new Date().toISOString()} backup: ${describe(result)}\n`);
    } catch (error) {
      if (stop.signal.aborted) break;
      // Keep the schedule: a database that is down now may be back for the next run. The line says what to fix.
      process.stderr.write(`${new Date().toISOString()} backup: FAILED: ${(error as Error).message}\n`);
    }
    await new Promise<void>((done) => {
      const timer = setTimeout(done, every);
      wake = () => {
        clearTimeout(timer);
        done();
      };
      if (stop.signal.aborted) wake();
    });
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`backup: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
