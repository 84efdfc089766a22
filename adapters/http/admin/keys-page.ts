import { listApiKeys } from '../api-keys.js';
import type { Sql } from '../../../src/store/database.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, inWorkspace, layout, table, when, type PageContext } from './layout.js';
import { mayMakeKeys } from './console-viewer.js';

/**
 * The person's own API keys: those acting as their console API user (and any HTTP API user they linked). A new key
 * is shown once, in the answer to the form that made it, and never stored or logged.
 */
export async function keysPage(deps: { sql: Sql }, ctx: PageContext, message?: SafeHtml): Promise<SafeHtml> {
  const { t } = ctx;
  const viewer = ctx.viewer!;
  const keys = await listApiKeys(deps.sql, viewer.apiUsers);
  const revoke = (id: string) =>
    html`<form method="post" action="/admin/keys/revoke" class="inline">${csrfField(ctx)}<input type="hidden" name="id" value="${id}"><button type="submit">${t('keyRevoke', id)}</button></form>`;
  const list = keys.length
    ? table(
        t('keysTitle'),
        [t('keyId'), t('keyName'), t('person'), t('created'), t('state'), t('actions')],
        keys.map((k) => [k.keyId, k.name, k.userId, when(k.createdAt), k.revokedAt ? `${t('revoked')} ${when(k.revokedAt)}` : t('active'), k.revokedAt ? '' : revoke(k.keyId)]),
      )
    : html`<p>${t('noKeys')}</p>`;
  const create = html`<form method="post" action="/admin/keys" class="create">${csrfField(ctx)}<label for="key-name">${t('keyName')}</label> <input id="key-name" name="name" required maxlength="100" autocomplete="off"> <button type="submit">${t('keyCreate')}</button></form>`;
  // A key needs a linked chat account first (mayMakeKeys): until then the form is a pointer to the link page.
  const making = mayMakeKeys(viewer) ? create : html`<p>${t('keysNeedLink')} <a href="${inWorkspace(ctx, '/admin/link')}">${t('navLink')}</a></p>`;
  return layout(ctx, 'keys', t('keysTitle'), html`${message ?? ''}<p>${t('keysIntro', viewer.apiUser)}</p>${making}${list}`);
}

/** The new key, once: in a read-only field the person can select and copy. */
export function newKeyNotice(ctx: PageContext, key: string): SafeHtml {
  return html`<div class="notice ok" role="status"><p><label for="new-key">${ctx.t('keyCreated')}</label></p><input id="new-key" class="new-key" readonly value="${key}"></div>`;
}
