import type { SignInProvider } from '../http-config.js';
import { html, type SafeHtml } from './html.js';
import { layout, notice, type PageContext } from './layout.js';

/** One link per configured provider; following it starts the authorization code flow (a GET: no form, no script). */
export function signInPage(ctx: PageContext, providers: SignInProvider[], failure?: string): SafeHtml {
  const { t } = ctx;
  return layout(
    ctx,
    undefined,
    t('signIn'),
    html`${failure ? notice(t('signInFailed', failure), 'error') : ''}<p>${t('signInIntro')}</p><ul class="providers">${providers.map(
      (p) => html`<li><a class="button" href="/admin/auth/start?provider=${p.id}">${t('signInWith', p.label)}</a></li>`,
    )}</ul>`,
  );
}

/** A refusal (403, 404, 400) as a page, with the console's navigation when signed in. */
export function errorPage(ctx: PageContext, title: string, text: string): SafeHtml {
  return layout(ctx, undefined, title, html`<p>${text}</p>`);
}
