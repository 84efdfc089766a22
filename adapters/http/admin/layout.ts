import type { ViewableWorkspace, Viewer } from './console-viewer.js';
import { html, type SafeHtml } from './html.js';
import type { Lang, MessageKey, Translate } from './i18n.js';

/** What every page is drawn with: the language, and (signed in) who is looking, where, and the form token. */
export interface PageContext {
  t: Translate;
  lang: Lang;
  /** The request's path and query, for the language switch's links. */
  url: URL;
  viewer?: Viewer;
  workspace?: ViewableWorkspace;
  /** Counts of optional sections (schedules, MCP servers): a section with none has no nav entry. */
  counts?: Partial<Record<NavId, number>>;
}

export type NavId = 'usage' | 'channels' | 'feedback' | 'audit' | 'schedules' | 'mcp' | 'keys' | 'link';

/**
 * The console's sections. `admin`: shown only to admins of the workspace in view (the pages refuse others too);
 * `optional`: shown only when the section has something (the counts), the hook for sections other features add
 * (schedules, MCP servers: each with a path and a count).
 */
const NAV: { id: NavId; path: string; label: MessageKey; admin: boolean; optional: boolean }[] = [
  { id: 'usage', path: '/admin/usage', label: 'navUsage', admin: false, optional: false },
  { id: 'channels', path: '/admin/channels', label: 'navChannels', admin: true, optional: false },
  { id: 'feedback', path: '/admin/feedback', label: 'navFeedback', admin: true, optional: false },
  { id: 'audit', path: '/admin/audit', label: 'navAudit', admin: true, optional: false },
  { id: 'schedules', path: '/admin/schedules', label: 'navSchedules', admin: true, optional: true },
  { id: 'mcp', path: '/admin/mcp', label: 'navMcp', admin: true, optional: true },
  { id: 'keys', path: '/admin/keys', label: 'navKeys', admin: false, optional: false },
  { id: 'link', path: '/admin/link', label: 'navLink', admin: false, optional: false },
];

/** A console URL in the workspace in view. */
export function inWorkspace(ctx: PageContext, path: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...(ctx.workspace ? { w: ctx.workspace.key } : {}), ...extra });
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

export function workspaceLabel(ctx: PageContext, w: ViewableWorkspace): string {
  const place = w.platform === 'http' ? ctx.t('apiWorkspace', w.userId) : `${w.platform} ${w.workspaceId}`;
  return `${place} — ${w.userName} (${ctx.t(w.role === 'admin' ? 'roleAdmin' : 'roleMember')})`;
}

/** The hidden field every state-changing form carries (CSRF synchronizer token). */
export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${ctx.viewer?.session.csrfToken ?? ''}">`;
}

export function layout(ctx: PageContext, active: NavId | undefined, title: string, body: SafeHtml): SafeHtml {
  const { t, viewer, workspace } = ctx;
  const isAdmin = workspace?.role === 'admin';
  const entries = viewer
    ? NAV.filter((n) => (!n.admin || isAdmin) && (!n.optional || (ctx.counts?.[n.id] ?? 0) > 0))
    : [];
  const langLink = (lang: Lang, label: string) => {
    const url = new URL(ctx.url);
    url.searchParams.set('lang', lang);
    return lang === ctx.lang
      ? html`<strong aria-current="true" lang="${lang}">${label}</strong>`
      : html`<a href="${url.pathname}${url.search}" lang="${lang}" hreflang="${lang}">${label}</a>`;
  };
  return html`<!doctype html>
<html lang="${ctx.lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${t('title')}</title>
<link rel="stylesheet" href="/console/admin.css">
</head>
<body>
<header class="top">
  <p class="brand"><a href="/admin">${t('title')}</a></p>
  <p class="lang"><span>${t('language')}:</span> ${langLink('en', 'English')} · ${langLink('zh', '中文')}</p>
  ${viewer
    ? html`<form method="post" action="/admin/sign-out" class="sign-out">${csrfField(ctx)}<span>${t('signedInAs', viewer.session.account.name)}</span> <button type="submit">${t('signOut')}</button></form>`
    : ''}
</header>
${viewer
  ? html`<nav aria-label="${t('nav')}"><ul>${entries.map(
      (n) => html`<li><a href="${inWorkspace(ctx, n.path)}"${n.id === active ? html` aria-current="page"` : ''}>${t(n.label)}</a></li>`,
    )}</ul>${workspaceSwitch(ctx)}</nav>`
  : ''}
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/** A plain GET form: choosing a workspace needs no script. */
function workspaceSwitch(ctx: PageContext): SafeHtml {
  const { viewer, workspace, t } = ctx;
  if (!viewer || viewer.workspaces.length < 2) return html``;
  return html`<form method="get" action="${ctx.url.pathname}" class="switch"><label for="w">${t('workspace')}</label> <select id="w" name="w">${viewer.workspaces.map(
    (w) => html`<option value="${w.key}"${w.key === workspace?.key ? html` selected` : ''}>${workspaceLabel(ctx, w)}</option>`,
  )}</select> <button type="submit">${t('switchWorkspace')}</button></form>`;
}

/** A table with a caption and column headers, the form every list and every chart's figures take. */
export function table(caption: string, head: string[], rows: (string | number | SafeHtml)[][]): SafeHtml {
  return html`<table><caption>${caption}</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td>${c}</td>`))}</tr>`,
  )}</tbody></table>`;
}

/** A notice after an action (a rollback done, a key made), announced to screen readers. */
export function notice(text: string | SafeHtml, kind: 'ok' | 'error' = 'ok'): SafeHtml {
  return html`<p class="notice ${kind}" role="status">${text}</p>`;
}

export function money(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/** Postgres hands timestamps back as Dates or text, depending on the client's parsers: either way, "YYYY-MM-DD HH:MM". */
export function when(value: Date | string): string {
  const iso = new Date(value).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
