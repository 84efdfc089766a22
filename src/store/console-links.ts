import { createHash, randomInt } from 'node:crypto';
import type { Platform } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** A chat identity: who someone is in one workspace of one platform. */
export interface ChatIdentity {
  platform: Platform;
  workspaceId: string;
  userId: string;
  userName: string;
}

/** How long a link code works, and how many wrong codes a console person may try in that long. */
export const LINK_CODE_MINUTES = 10;
export const LINK_ATTEMPTS = 5;

/** No 0/O, 1/I/L: a code read in a DM and typed on another screen should not be misread. 31^8 ≈ 8.5·10^11. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** What a person types: spaces, dashes and case do not matter. */
export function normalizeLinkCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '');
}

/**
 * A new one-time code for a chat identity, replacing any earlier one of theirs. Only its hash is stored; the caller
 * sends the code to the person where only they can read it.
 */
export async function createLinkCode(sql: Sql, who: ChatIdentity): Promise<string> {
  const code = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  await sql`
    insert into console_link_codes (code_hash, platform, workspace_id, user_id, user_name, expires_at)
    values (${hashCode(code)}, ${who.platform}, ${who.workspaceId}, ${who.userId}, ${who.userName},
      now() + make_interval(mins => ${LINK_CODE_MINUTES}))
    on conflict (platform, workspace_id, user_id)
      do update set code_hash = excluded.code_hash, user_name = excluded.user_name, expires_at = excluded.expires_at`;
  return code;
}

/** Why a code was not taken. */
export type RedeemRefusal = 'too-many-attempts' | 'wrong-code';

/**
 * Links the account to the chat identity a code was made for, using the code up. Wrong codes count against the
 * account (LINK_ATTEMPTS per LINK_CODE_MINUTES), so guessing is bounded however many sessions it opens; once over,
 * even a right code waits for the window to pass. A chat identity links to one account: linking it again moves it.
 */
export async function redeemLinkCode(sql: Sql, accountId: number, typed: string): Promise<ChatIdentity | RedeemRefusal> {
  return sql.begin(async (tx) => {
    const [account] = await tx<{ failures: number }[]>`
      update console_accounts set
        link_failures = case when link_failures_since is null or link_failures_since < now() - make_interval(mins => ${LINK_CODE_MINUTES}) then 0 else link_failures end,
        link_failures_since = case when link_failures_since is null or link_failures_since < now() - make_interval(mins => ${LINK_CODE_MINUTES}) then null else link_failures_since end
      where id = ${accountId} returning link_failures as failures`;
    if ((account?.failures ?? 0) >= LINK_ATTEMPTS) return 'too-many-attempts' as const;
    const code = normalizeLinkCode(typed);
    const [found] = /^[2-9A-Z]{8}$/.test(code)
      ? await tx<ChatIdentity[]>`
          delete from console_link_codes where code_hash = ${hashCode(code)} and expires_at > now()
          returning platform, workspace_id as "workspaceId", user_id as "userId", user_name as "userName"`
      : [];
    if (!found) {
      await tx`update console_accounts set link_failures = link_failures + 1, link_failures_since = coalesce(link_failures_since, now()) where id = ${accountId}`;
      return 'wrong-code' as const;
    }
    await tx`delete from console_links where platform = ${found.platform} and workspace_id = ${found.workspaceId} and user_id = ${found.userId}`;
    await tx`
      insert into console_links (account_id, platform, workspace_id, user_id, user_name)
      values (${accountId}, ${found.platform}, ${found.workspaceId}, ${found.userId}, ${found.userName})
      on conflict (account_id, platform, workspace_id)
        do update set user_id = excluded.user_id, user_name = excluded.user_name, linked_at = now()`;
    return found;
  });
}

/** The chat identities an account has linked, oldest first. */
export async function listLinks(sql: Sql, accountId: number): Promise<ChatIdentity[]> {
  return sql<ChatIdentity[]>`
    select platform, workspace_id as "workspaceId", user_id as "userId", user_name as "userName"
    from console_links where account_id = ${accountId} order by linked_at, platform, workspace_id`;
}

/** Links an identity a trusted provider vouched for at sign-in (Sign in with Slack names the Slack user and team). */
export async function linkVouchedIdentity(sql: Sql, accountId: number, who: ChatIdentity): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`delete from console_links where platform = ${who.platform} and workspace_id = ${who.workspaceId} and user_id = ${who.userId} and account_id <> ${accountId}`;
    await tx`
      insert into console_links (account_id, platform, workspace_id, user_id, user_name)
      values (${accountId}, ${who.platform}, ${who.workspaceId}, ${who.userId}, ${who.userName})
      on conflict (account_id, platform, workspace_id)
        do update set user_id = excluded.user_id, user_name = excluded.user_name, linked_at = now()`;
  });
}
