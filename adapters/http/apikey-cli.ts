import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { readConfig } from '../../src/config/read-config.js';
import { ConfigError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/log/create-logger.js';
import { recordAuditEntry } from '../../src/store/audit-log.js';
import { openDatabase, runMigrations, type Sql } from '../../src/store/database.js';
import { httpWorkspace } from '../../src/store/http-conversations.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.js';

/*
 * npm run apikey -- create --user alice [--name laptop]   prints a new key, once
 * npm run apikey -- list                                  ids, users, names, state (never keys)
 * npm run apikey -- revoke k_0123456789ab                 the key stops working at once
 */

const USAGE = 'usage: npm run apikey -- create --user USER_ID [--name NAME] | list | revoke KEY_ID';

async function main(args: string[]): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = readConfig(process.env);
  const log = createLogger({ level: 'warn', name: 'xiaoliu-apikey' }, process.stderr);
  const database = await openDatabase(config.databaseUrl, log, { max: 1 });
  try {
    if (config.migrateOnStart) await runMigrations(config.databaseUrl, log);
    const [command, ...rest] = args;
    if (command === 'create') {
      const userId = option(rest, '--user');
      if (!userId || !/^[\w.@:-]{1,100}$/.test(userId)) return usage('--user is required: letters, digits, . _ - @ :');
      const name = option(rest, '--name') ?? 'default';
      const { id, key } = await createApiKey(database.sql, userId, name);
      await audit(database.sql, 'apikey.create', id, userId, `key ${id} created for user ${userId} (${name})`);
      process.stdout.write(`created ${id} for user ${userId} (${name})\n${key}\n`);
      process.stderr.write('Keep the key now: only its hash is stored, it cannot be shown again.\n');
      return 0;
    }
    if (command === 'list') {
      for (const k of await listApiKeys(database.sql)) {
        // drizzle's driver leaves timestamps as Postgres text on this shared client: normalize to ISO.
        const iso = (t: Date | string) => new Date(t).toISOString();
        const state = k.revokedAt ? `revoked ${iso(k.revokedAt)}` : 'active';
        process.stdout.write(`${k.keyId}\t${k.userId}\t${k.name}\t${iso(k.createdAt)}\t${state}\n`);
      }
      return 0;
    }
    if (command === 'revoke') {
      const id = rest[0];
      if (!id) return usage('revoke needs a key id (see list)');
      const userId = await revokeApiKey(database.sql, id);
      if (!userId) return usage(`no active key ${id}`);
      await audit(database.sql, 'apikey.revoke', id, userId, `key ${id} of user ${userId} revoked`);
      process.stdout.write(`revoked ${id}\n`);
      return 0;
    }
    return usage(command ? `unknown command "${command}"` : 'a command is required');
  } finally {
    await database.close();
  }
}

/**
 * Records a key's creation or revocation in the audit log, by whoever ran the command (the OS user; `cli` where the
 * system cannot name them), where the key's user talks: their own HTTP API workspace and channel. Never the key.
 */
async function audit(sql: Sql, action: string, keyId: string, userId: string, detail: string): Promise<void> {
  await recordAuditEntry(sql, {
    platform: 'http',
    workspaceId: httpWorkspace(userId),
    channelId: userId,
    actorPlatform: 'cli',
    actorId: osUser(),
    actorName: osUser(),
    action,
    target: keyId,
    detail,
  });
}

function osUser(): string {
  try {
    return userInfo().username || 'cli';
  } catch {
    // A container's uid with no passwd entry has no name.
    return 'cli';
  }
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function usage(problem: string): number {
  process.stderr.write(`apikey: ${problem}\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`apikey: ${message}\n`);
    process.exit(1);
  },
);
