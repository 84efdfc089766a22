import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../../src/store/database.js';

/** Who a request acts as, once its key checks out. Never the key itself. */
export interface ApiPrincipal {
  keyId: string;
  userId: string;
  name: string;
}

/** A key as `npm run apikey -- list` shows it: no hash, no secret. */
export interface ApiKeyInfo extends ApiPrincipal {
  /** A Date, or Postgres's text where drizzle's driver has turned timestamp parsing off on the shared client. */
  createdAt: Date | string;
  revokedAt: Date | string | null;
}

/** SHA-256 is enough for keys: they are 256 random bits, so there is nothing for a slow hash to protect. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Creates a key for a user; the returned key is the only copy (only its hash is stored). */
export async function createApiKey(sql: Sql, userId: string, name: string): Promise<{ id: string; key: string }> {
  const id = `k_${randomBytes(6).toString('hex')}`;
  // The id is part of the key so a leaked key can be traced to its row (and revoked) without storing the key.
  const key = `xlk_${id.slice(2)}_${randomBytes(32).toString('base64url')}`;
  await sql`insert into api_keys (id, key_hash, user_id, name) values (${id}, ${hashApiKey(key)}, ${userId}, ${name})`;
  return { id, key };
}

/** Every key, or (the console's "your API keys") only those acting as the given users. */
export async function listApiKeys(sql: Sql, ofUsers?: readonly string[]): Promise<ApiKeyInfo[]> {
  const users = ofUsers ? [...ofUsers] : null;
  return sql<ApiKeyInfo[]>`
    select id as "keyId", user_id as "userId", name, created_at as "createdAt", revoked_at as "revokedAt"
    from api_keys where ${users}::text[] is null or user_id = any(${users}::text[]) order by created_at, id`;
}

/**
 * Revokes a key by id; returns the user it acted as, or undefined if there is no such key (or it was already revoked).
 * With `ofUsers` (the console), only a key acting as one of them: someone else's key id is as unknown as a made-up one.
 */
export async function revokeApiKey(sql: Sql, id: string, ofUsers?: readonly string[]): Promise<string | undefined> {
  const users = ofUsers ? [...ofUsers] : null;
  const rows = await sql<{ userId: string }[]>`
    update api_keys set revoked_at = now()
    where id = ${id} and revoked_at is null and (${users}::text[] is null or user_id = any(${users}::text[]))
    returning user_id as "userId"`;
  return rows[0]?.userId;
}

/** The principal of a live key, or undefined: unknown, malformed and revoked keys look the same to the caller. */
export async function authenticate(sql: Sql, key: string): Promise<ApiPrincipal | undefined> {
  if (!/^xlk_[0-9a-f]{12}_[\w-]{43}$/.test(key)) return undefined;
  const [row] = await sql<ApiPrincipal[]>`
    select id as "keyId", user_id as "userId", name from api_keys
    where key_hash = ${hashApiKey(key)} and revoked_at is null`;
  return row;
}
