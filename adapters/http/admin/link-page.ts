import { LINK_CODE_MINUTES } from '../../../src/store/console-links.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout, table, type PageContext } from './layout.js';

/**
 * Linking: the person asks Xiaoliu for a code in chat (`console link`), gets it by direct message — which only the
 * owner of that chat account can read — and types it here. That proves the account is theirs.
 */
export function linkPage(ctx: PageContext, message?: SafeHtml): SafeHtml {
  const { t, viewer } = ctx;
  const links = viewer!.workspaces.filter((w) => w.platform !== 'http' || w.userId !== viewer!.apiUser);
  const linked = links.length
    ? table(t('linked'), [t('workspace'), t('person'), t('status')], links.map((w) => [`${w.platform} ${w.workspaceId}`, `${w.userName} (${w.userId})`, t(w.role === 'admin' ? 'roleAdmin' : 'roleMember')]))
    : html`<p>${t('noLinks')}</p>`;
  return layout(
    ctx,
    'link',
    t('linkTitle'),
    html`${message ?? ''}<p>${t('linkHow', LINK_CODE_MINUTES)}</p><form method="post" action="/admin/link" class="create">${csrfField(ctx)}<label for="code">${t('linkCode')}</label> <input id="code" name="code" required autocomplete="one-time-code" maxlength="20" inputmode="text" autocapitalize="characters"> <button type="submit">${t('linkSubmit')}</button></form>${linked}`,
  );
}
