import type { Config } from '../config/read-config.js';
import type { Platform } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

export type Role = 'admin' | 'member';

/** Where a role holds: one workspace (Slack team, Discord server, a DM, an HTTP API user) of one platform. */
export interface RoleScope {
  platform: Platform;
  workspaceId: string;
}

/**
 * A user's role in a workspace, given the one stored for it in user_roles (the worker reads it with the delivery claim,
 * in one round trip): the deployment's operators, named in XIAOLIU_ADMINS, are admins everywhere (so a deployment
 * cannot lock itself out); anyone else is what an admin of this workspace made them, or a member.
 */
export function roleFrom(config: Config, platform: Platform, userId: string, stored: Role | null | undefined): Role {
  if (isOperator(config, platform, userId)) return 'admin';
  return stored ?? 'member';
}

/** Whether a user is one of the deployment's own operators (XIAOLIU_ADMINS): an admin in every workspace. */
export function isOperator(config: Config, platform: Platform, userId: string): boolean {
  return config.controls.admins.includes(`${platform}:${userId}`);
}

export async function setRole(sql: Sql, scope: RoleScope, userId: string, role: Role, grantedBy: string): Promise<void> {
  await sql`
    insert into user_roles (platform, workspace_id, user_id, role, granted_by)
    values (${scope.platform}, ${scope.workspaceId}, ${userId}, ${role}, ${grantedBy})
    on conflict (platform, workspace_id, user_id)
      do update set role = excluded.role, granted_by = excluded.granted_by, granted_at = now()`;
}

/** The admins of a workspace: the ones made there in chat, and the deployment's operators (who are admins everywhere). */
export async function listAdmins(sql: Sql, config: Config, scope: RoleScope): Promise<{ here: string[]; operators: string[] }> {
  const { platform, workspaceId } = scope;
  const operators = config.controls.admins.filter((a) => a.startsWith(`${platform}:`)).map((a) => a.slice(platform.length + 1));
  const rows = await sql<{ userId: string }[]>`
    select user_id as "userId" from user_roles where platform = ${platform} and workspace_id = ${workspaceId} and role = 'admin'
    order by granted_at, user_id`;
  return { here: rows.map((r) => r.userId).filter((id) => !operators.includes(id)), operators };
}

/** A user's role in a workspace, read on its own (the admin console asks on every page, so a revoked role is gone at once). */
export async function roleOf(sql: Sql, config: Config, scope: RoleScope, userId: string): Promise<Role> {
  const [row] = await sql<{ role: Role }[]>`
    select role from user_roles where platform = ${scope.platform} and workspace_id = ${scope.workspaceId} and user_id = ${userId}`;
  return roleFrom(config, scope.platform, userId, row?.role);
}
