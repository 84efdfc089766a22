import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IngressDeps } from '../../../src/domain/adapter.js';
import { UserFacingError } from '../../../src/domain/errors.js';
import { recordAuditEntry } from '../../../src/store/audit-log.js';
import { redeemLinkCode, linkVouchedIdentity, LINK_CODE_MINUTES } from '../../../src/store/console-links.js';
import { createConsoleSession, deleteConsoleSession, deleteExpiredConsoleSessions, findConsoleSession, upsertConsoleAccount } from '../../../src/store/console-sessions.js';
import { httpWorkspace } from '../../../src/store/http-conversations.js';
import { rollbackChannelSettings } from '../../../src/commands/settings-rollback.js';
import { createApiKey, revokeApiKey } from '../api-keys.js';
import type { AdminConsoleConfig } from '../http-config.js';
import { checkCsrf, clearCookie, cookieName, PageError, readCookie, readForm, redirect, sendPage, setCookie, type CookiePolicy } from './admin-http.js';
import { auditPage } from './audit-page.js';
import { channelKey, channelPage, channelsPage, currentSettings, rolledBackNotice } from './channel-pages.js';
import { loadViewer, mayMakeKeys, pickWorkspace } from './console-viewer.js';
import { feedbackPage } from './feedback-page.js';
import type { SafeHtml } from './html.js';
import { chooseLang, translator } from './i18n.js';
import { keysPage, newKeyNotice } from './keys-page.js';
import { notice, type PageContext } from './layout.js';
import { linkPage } from './link-page.js';
import { OidcSignIn, SignInError } from './oidc-sign-in.js';
import { mcpPage, mcpServerCount } from './mcp-page.js';
import { schedulesPage, workspaceSchedules } from './schedules-page.js';
import { errorPage, signInPage } from './sign-in-page.js';
import { usagePage } from './usage-page.js';

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: PageContext, form: URLSearchParams | undefined) => Promise<SafeHtml | void>;

/**
 * The admin console (/admin): OpenID Connect sign-in, sessions in Postgres, and server-rendered pages over the same
 * store functions and rules the chat commands use. Every page is scoped to a workspace the signed-in person has linked
 * (or their own HTTP API workspace); admin pages need the admin role there, read afresh on every request.
 */
export function mountAdminConsole(admin: AdminConsoleConfig, deps: IngressDeps): void {
  const { http, sql, redis, prefix, config, log } = deps;
  const policy: CookiePolicy = { secure: new URL(admin.publicUrl).protocol === 'https:' };
  const SESSION = cookieName(policy, 'xiaoliu-session');
  const PENDING = cookieName(policy, 'xiaoliu-signin');
  const signIn = new OidcSignIn(admin, redis, prefix);
  const storeDeps = { sql, config };

  /** The language switch (`?lang=zh` on any page) keeps the choice in a cookie and shows the same page without it. */
  const switchedLanguage = (url: URL, res: ServerResponse): boolean => {
    const lang = url.searchParams.get('lang');
    if (lang !== 'en' && lang !== 'zh') return false;
    url.searchParams.delete('lang');
    redirect(res, `${url.pathname}${url.search}`, { 'set-cookie': setCookie(policy, 'xiaoliu-lang', lang, 365 * 86_400) });
    return true;
  };

  const baseContext = (req: IncomingMessage): PageContext => {
    const lang = chooseLang(req);
    return { t: translator(lang), lang, url: new URL(req.url ?? '/', admin.publicUrl) };
  };

  /** Session, CSRF (on posts), workspace and role checks around a page; any refusal is a page saying why. */
  const page =
    (handler: Handler, options: { admin?: boolean } = {}) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      const base = baseContext(req);
      try {
        if (req.method === 'GET' && switchedLanguage(base.url, res)) return;
        const sessionId = readCookie(req, SESSION);
        const session = sessionId ? await findConsoleSession(sql, sessionId) : undefined;
        if (!session) {
          if (req.method === 'GET') return redirect(res, '/admin/sign-in');
          req.resume();
          throw new PageError(403, base.t('badRequest', base.t('csrf')));
        }
        let form: URLSearchParams | undefined;
        if (req.method === 'POST') {
          form = await readForm(req);
          if (!checkCsrf(req, form, admin.publicUrl, session.csrfToken)) {
            log.info({ path: base.url.pathname }, 'admin console: a post without a valid CSRF token or origin was refused');
            throw new PageError(403, base.t('badRequest', base.t('csrf')));
          }
        }
        const viewer = await loadViewer(sql, config, session);
        const workspace = pickWorkspace(viewer, form?.get('w') ?? base.url.searchParams.get('w'));
        const ctx: PageContext = { ...base, viewer, ...(workspace ? { workspace } : {}) };
        if (!workspace) throw new PageError(404, base.t('notFound'));
        if (workspace.role === 'admin') {
          const [schedules, mcp] = await Promise.all([
            workspaceSchedules(sql, workspace.platform, workspace.workspaceId),
            mcpServerCount(sql, workspace.platform, workspace.workspaceId),
          ]);
          ctx.counts = { schedules: schedules.length, mcp };
        }
        if (options.admin && workspace.role !== 'admin') throw new PageError(403, base.t('forbidden'));
        const body = await handler(req, res, ctx, form);
        if (body) sendPage(res, 200, body);
      } catch (error) {
        const status = error instanceof PageError ? error.status : error instanceof UserFacingError ? 400 : undefined;
        if (status === undefined) throw error;
        sendPage(res, status, errorPage(base, status === 403 ? '403' : status === 404 ? '404' : String(status), (error as Error).message));
      }
    };

  http.route('GET', '/console/admin.css', async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });
    res.end(await readFile(new URL('../console/admin.css', import.meta.url)));
  });

  // Signing in and out.
  http.route('GET', '/admin', async (req, res) => {
    const sessionId = readCookie(req, SESSION);
    redirect(res, sessionId && (await findConsoleSession(sql, sessionId)) ? '/admin/usage' : '/admin/sign-in');
  });
  http.route('GET', '/admin/sign-in', async (req, res) => {
    const ctx = baseContext(req);
    if (switchedLanguage(ctx.url, res)) return;
    sendPage(res, 200, signInPage(ctx, admin.providers));
  });
  http.route('GET', '/admin/auth/start', async (req, res) => {
    const ctx = baseContext(req);
    const provider = signIn.provider(ctx.url.searchParams.get('provider') ?? '');
    if (!provider) return sendPage(res, 404, errorPage(ctx, '404', ctx.t('notFound')));
    const { url, pendingId } = await signIn.start(provider);
    res.writeHead(302, { location: url.href, 'set-cookie': setCookie(policy, PENDING, pendingId, 600), 'cache-control': 'no-store' });
    res.end();
  });
  http.route('GET', '/admin/auth/callback', async (req, res) => {
    const ctx = baseContext(req);
    try {
      const person = await signIn.finish(readCookie(req, PENDING), req.url ?? '/');
      const account = await upsertConsoleAccount(sql, person);
      if (person.slack) {
        await linkVouchedIdentity(sql, account.id, { platform: 'slack', workspaceId: person.slack.teamId, userId: person.slack.userId, userName: person.name });
      }
      await deleteExpiredConsoleSessions(sql);
      // A new session id on every sign-in; the one this browser had before (if any) is deleted.
      const sessionId = await createConsoleSession(sql, account.id, admin.sessionHours, readCookie(req, SESSION));
      log.info({ accountId: account.id, provider: person.provider.id }, 'admin console: signed in');
      redirect(res, '/admin', { 'set-cookie': [setCookie(policy, SESSION, sessionId, admin.sessionHours * 3600), clearCookie(policy, PENDING)] });
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      log.info({ reason: error.message }, 'admin console: a sign-in failed');
      sendPage(res, 400, signInPage(ctx, admin.providers, error.message), { 'set-cookie': clearCookie(policy, PENDING) });
    }
  });
  http.route(
    'POST',
    '/admin/sign-out',
    page(async (req, res) => {
      await deleteConsoleSession(sql, readCookie(req, SESSION)!);
      redirect(res, '/admin/sign-in', { 'set-cookie': clearCookie(policy, SESSION) });
    }),
  );

  // Linking a chat account.
  http.route('GET', '/admin/link', page(async (_req, _res, ctx) => linkPage(ctx)));
  http.route(
    'POST',
    '/admin/link',
    page(async (req, _res, ctx, form) => {
      const result = await redeemLinkCode(sql, ctx.viewer!.session.account.id, form!.get('code') ?? '');
      if (result === 'too-many-attempts' || result === 'wrong-code') {
        return linkPage(ctx, notice(result === 'wrong-code' ? ctx.t('linkWrong') : ctx.t('linkTooMany', LINK_CODE_MINUTES), 'error'));
      }
      log.info({ accountId: ctx.viewer!.session.account.id, platform: result.platform }, 'admin console: chat account linked');
      const viewer = await loadViewer(sql, config, ctx.viewer!.session);
      const fresh = { ...ctx, viewer, workspace: pickWorkspace(viewer, `${result.platform}:${result.workspaceId}`)! };
      return linkPage(fresh, notice(ctx.t('linkDone', `${result.userName} (${result.userId})`, `${result.platform} ${result.workspaceId}`)));
    }),
  );

  // Pages.
  http.route('GET', '/admin/usage', page((_req, _res, ctx) => usagePage(storeDeps, ctx)));
  http.route('GET', '/admin/channels', page((_req, _res, ctx) => channelsPage(storeDeps, ctx), { admin: true }));
  http.route(
    'GET',
    '/admin/channel',
    page(
      async (_req, _res, ctx) => {
        const channelId = ctx.url.searchParams.get('c') ?? '';
        if (!channelId) throw new PageError(404, ctx.t('notFound'));
        const done = /^(\d+):(\d+)$/.exec(ctx.url.searchParams.get('rolled') ?? '');
        return channelPage(storeDeps, ctx, channelId, done ? rolledBackNotice(ctx, Number(done[1]), Number(done[2])) : undefined);
      },
      { admin: true },
    ),
  );
  http.route(
    'POST',
    '/admin/channel/rollback',
    page(
      async (_req, res, ctx, form) => {
        const channelId = form!.get('c') ?? '';
        if (!channelId) throw new PageError(400, ctx.t('badRequest', 'c'));
        const w = ctx.workspace!;
        const key = channelKey(ctx, channelId);
        // The same function as `config rollback`: the same checks, a new version, the knowledge index, the audit entry.
        const { version, target } = await rollbackChannelSettings(storeDeps, key, await currentSettings(sql, config, key), form!.get('version') ?? undefined, {
          changedBy: `${w.userName} (${w.userId})`,
          record: (what) =>
            recordAuditEntry(sql, {
              platform: w.platform,
              workspaceId: w.workspaceId,
              channelId,
              actorPlatform: w.platform,
              actorId: w.userId,
              actorName: w.userName,
              ...what,
              detail: `${what.detail} (in the admin console)`,
            }),
        });
        log.info({ version, target }, 'admin console: channel settings rolled back');
        redirect(res, `/admin/channel?${new URLSearchParams({ w: w.key, c: channelId, rolled: `${version}:${target}` })}`);
      },
      { admin: true },
    ),
  );
  http.route('GET', '/admin/feedback', page((_req, _res, ctx) => feedbackPage(storeDeps, ctx), { admin: true }));
  http.route('GET', '/admin/audit', page((_req, _res, ctx) => auditPage(storeDeps, ctx), { admin: true }));
  http.route('GET', '/admin/schedules', page((_req, _res, ctx) => schedulesPage(storeDeps, ctx), { admin: true }));
  http.route('GET', '/admin/mcp', page((_req, _res, ctx) => mcpPage(storeDeps, ctx), { admin: true }));

  // API keys.
  http.route('GET', '/admin/keys', page(async (_req, _res, ctx) => {
    const revoked = ctx.url.searchParams.get('revoked');
    return keysPage(storeDeps, ctx, revoked ? notice(ctx.t('keyRevoked', revoked)) : undefined);
  }));
  http.route(
    'POST',
    '/admin/keys',
    page(async (_req, _res, ctx, form) => {
      const name = (form!.get('name') ?? '').trim().slice(0, 100) || 'console';
      const viewer = ctx.viewer!;
      if (!mayMakeKeys(viewer)) throw new PageError(403, ctx.t('keysNeedLink'));
      const { id, key } = await createApiKey(sql, viewer.apiUser, name);
      await keyAudit(ctx, 'apikey.create', id, viewer.apiUser, `key ${id} created for user ${viewer.apiUser} (${name}) in the admin console`);
      return keysPage(storeDeps, ctx, newKeyNotice(ctx, key));
    }),
  );
  http.route(
    'POST',
    '/admin/keys/revoke',
    page(async (_req, res, ctx, form) => {
      const id = form!.get('id') ?? '';
      // Only the person's own keys: another's id is refused exactly like one that does not exist.
      const userId = await revokeApiKey(sql, id, ctx.viewer!.apiUsers);
      if (!userId) throw new PageError(404, ctx.t('notFound'));
      await keyAudit(ctx, 'apikey.revoke', id, userId, `key ${id} of user ${userId} revoked in the admin console`);
      redirect(res, `/admin/keys?${new URLSearchParams({ ...(ctx.workspace ? { w: ctx.workspace.key } : {}), revoked: id })}`);
    }),
  );

  /** Keys are audited where their user talks (as `npm run apikey` does), by the console person. */
  const keyAudit = (ctx: PageContext, action: string, keyId: string, userId: string, detail: string) =>
    recordAuditEntry(sql, {
      platform: 'http',
      workspaceId: httpWorkspace(userId),
      channelId: userId,
      actorPlatform: 'console',
      actorId: String(ctx.viewer!.session.account.id),
      actorName: ctx.viewer!.session.account.name,
      action,
      target: keyId,
      detail,
    });

}
