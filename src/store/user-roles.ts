import type { Config } from '../config/read-config.js';
import type { Platform } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

export type Role = 'admin' | 'member';

/**
 * A user's role, given the one stored in user_roles (the worker reads it with the delivery claim, in one round trip):
 * the admins named in XIAOLIU_ADMINS always are (so a deployment cannot lock itself out), anyone else is what an
 * admin made them, or a member.
 */
export function roleFrom(config: Config, platform: Platform, userId: string, stored: Role | null | undefined): Role {
  if (config.controls.admins.includes(`${platform}:${userId}`)) return 'admin';
  return stored ?? 'member';
}

export async function setRole(sql: Sql, platform: Platform, userId: string, role: Role, grantedBy: string): Promise<void> {
  await sql`
    insert into user_roles (platform, user_id, role, granted_by) values (${platform}, ${userId}, ${role}, ${grantedBy})
    on conflict (platform, user_id) do update set role = excluded.role, granted_by = excluded.granted_by, granted_at = now()`;
}

/** Everyone who is an admin of a platform: from config and from chat. */
export async function listAdmins(sql: Sql, config: Config, platform: Platform): Promise<string[]> {
  const fromConfig = config.controls.admins.filter((a) => a.startsWith(`${platform}:`)).map((a) => a.slice(platform.length + 1));
  const rows = await sql<{ userId: string }[]>`select user_id as "userId" from user_roles where platform = ${platform} and role = 'admin'`;
  return [...new Set([...fromConfig, ...rows.map((r) => r.userId)])];
}
