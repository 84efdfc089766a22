import type { Config } from '../../../src/config/read-config.js';
import { listLinks } from '../../../src/store/console-links.js';
import type { ConsoleSession } from '../../../src/store/console-sessions.js';
import type { Sql } from '../../../src/store/database.js';
import { httpWorkspace } from '../../../src/store/http-conversations.js';
import { roleOf, type Role } from '../../../src/store/user-roles.js';

/** One workspace the signed-in person may look at, as who, with which role there. */
export interface ViewableWorkspace {
  /** `platform:workspaceId`, the `w` of the console's URLs. */
  key: string;
  platform: string;
  workspaceId: string;
  /** Who the person is there: their linked chat user, or their own HTTP API user. */
  userId: string;
  userName: string;
  role: Role;
}

/** The signed-in person and what they may see: the request's whole authority. */
export interface Viewer {
  session: ConsoleSession;
  /** Their linked workspaces, then their own HTTP API workspace. */
  workspaces: ViewableWorkspace[];
  /** The API user their console-made keys act as. */
  apiUser: string;
  /** Every API user whose keys are theirs: their console one, and HTTP API users they linked with `console link`. */
  apiUsers: string[];
}

/** The HTTP API user a console person's keys act as: one per account, so keys made here are theirs alone. */
export function consoleApiUser(accountId: number): string {
  return `console-${accountId}`;
}

/**
 * Works out, fresh on every request, where the person may look and as what: a role is read from user_roles (and
 * XIAOLIU_ADMINS) each time, exactly as chat reads it, so a role taken away in chat is gone from the console at once.
 */
export async function loadViewer(sql: Sql, config: Config, session: ConsoleSession): Promise<Viewer> {
  const links = await listLinks(sql, session.account.id);
  const apiUser = consoleApiUser(session.account.id);
  const own = { platform: 'http', workspaceId: httpWorkspace(apiUser), userId: apiUser, userName: session.account.name };
  const places = [...links, ...(links.some((l) => l.platform === own.platform && l.workspaceId === own.workspaceId) ? [] : [own])];
  const workspaces = await Promise.all(
    places.map(async (p) => ({
      key: `${p.platform}:${p.workspaceId}`,
      platform: p.platform,
      workspaceId: p.workspaceId,
      userId: p.userId,
      userName: p.userName,
      role: await roleOf(sql, config, { platform: p.platform, workspaceId: p.workspaceId }, p.userId),
    })),
  );
  const apiUsers = [apiUser, ...links.filter((l) => l.platform === 'http').map((l) => l.userId)];
  return { session, workspaces, apiUser, apiUsers };
}

/**
 * The workspace a request asks for (`?w=slack:T1`), only if it is one of the viewer's: any other, crafted or stale,
 * is refused as not found, so a URL never reaches into a workspace the person has no place in.
 */
export function pickWorkspace(viewer: Viewer, requested: string | null): ViewableWorkspace | undefined {
  if (requested === null || requested === '') return viewer.workspaces[0];
  return viewer.workspaces.find((w) => w.key === requested);
}

/**
 * Whether the person has shown the console who they are in chat (a linked Slack or Discord user, or an HTTP API user
 * with a key already): only then may they make API keys. Signing in proves an identity at the provider, which may be
 * anyone it knows (with Sign in with Slack, any Slack user); a key spends from the deployment's budgets.
 */
export function mayMakeKeys(viewer: Viewer): boolean {
  return viewer.workspaces.some((w) => !(w.platform === 'http' && w.userId === viewer.apiUser));
}
