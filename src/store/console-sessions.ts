import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from './database.js';

/** A person signed in to the admin console, as their identity provider named them. */
export interface ConsoleAccount {
  id: number;
  /** The OpenID Connect issuer and subject: together, who this is, for good. */
  issuer: string;
  subject: string;
  name: string;
  email: string | null;
}

/** A live session: whose it is, and the token every form it shows must send back (CSRF). */
export interface ConsoleSession {
  account: ConsoleAccount;
  csrfToken: string;
}

/** The cookie carries 256 random bits; only their SHA-256 is stored, so a copy of the table signs nobody in. */
function hashId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** Finds or makes the account of an identity, keeping its name and email as the provider says now. */
export async function upsertConsoleAccount(
  sql: Sql,
  who: { issuer: string; subject: string; name: string; email: string | null },
): Promise<ConsoleAccount> {
  const [row] = await sql<ConsoleAccount[]>`
    insert into console_accounts (issuer, subject, name, email) values (${who.issuer}, ${who.subject}, ${who.name}, ${who.email})
    on conflict (issuer, subject) do update set name = excluded.name, email = excluded.email, signed_in_at = now()
    returning id::int as id, issuer, subject, name, email`;
  return row!;
}

/**
 * Starts a session: a new random id every sign-in (never one the browser brought, so a planted id is worthless),
 * the previous session of this browser deleted. Returns the id for the cookie; it is not kept anywhere else.
 */
export async function createConsoleSession(sql: Sql, accountId: number, hours: number, previousId?: string): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const csrf = randomBytes(32).toString('base64url');
  await sql.begin(async (tx) => {
    if (previousId) await tx`delete from console_sessions where id_hash = ${hashId(previousId)}`;
    await tx`
      insert into console_sessions (id_hash, account_id, csrf_token, expires_at)
      values (${hashId(id)}, ${accountId}, ${csrf}, now() + make_interval(hours => ${hours}))`;
  });
  return id;
}

/** The live session of a cookie's id; an unknown or expired one is none (and an expired one is removed). */
export async function findConsoleSession(sql: Sql, id: string): Promise<ConsoleSession | undefined> {
  if (!/^[\w-]{43}$/.test(id)) return undefined;
  const [row] = await sql<(ConsoleAccount & { csrfToken: string; expired: boolean })[]>`
    select a.id::int as id, a.issuer, a.subject, a.name, a.email, s.csrf_token as "csrfToken", s.expires_at <= now() as expired
    from console_sessions s join console_accounts a on a.id = s.account_id where s.id_hash = ${hashId(id)}`;
  if (!row) return undefined;
  if (row.expired) {
    await deleteConsoleSession(sql, id);
    return undefined;
  }
  const { csrfToken, expired: _expired, ...account } = row;
  return { account, csrfToken };
}

/** Signs a session out: its row is gone, so the cookie is worthless even if the browser keeps it. */
export async function deleteConsoleSession(sql: Sql, id: string): Promise<void> {
  await sql`delete from console_sessions where id_hash = ${hashId(id)}`;
}

/** Removes expired sessions (the sign-in does it as it goes, so the table never grows without bound). */
export async function deleteExpiredConsoleSessions(sql: Sql): Promise<number> {
  const result = await sql`delete from console_sessions where expires_at <= now()`;
  return result.count;
}
