import { listAuditEntries } from '../../../src/store/audit-log.js';
import type { Sql } from '../../../src/store/database.js';
import { html, type SafeHtml } from './html.js';
import { layout, table, type PageContext } from './layout.js';

/** The workspace's audit log, newest first: the same entries `audit` lists in chat, from the same store function. */
export async function auditPage(deps: { sql: Sql }, ctx: PageContext): Promise<SafeHtml> {
  const { t } = ctx;
  const w = ctx.workspace!;
  const entries = await listAuditEntries(deps.sql, w.platform, w.workspaceId, 200);
  const body = entries.length
    ? table(
        t('auditTitle'),
        [t('when'), t('who'), t('where'), t('what')],
        entries.map((e) => [`${e.at.slice(0, 10)} ${e.at.slice(11, 16)}`, `${e.actorName} (${e.actorPlatform}:${e.actorId})`, e.channelId, `${e.action}: ${e.detail}`]),
      )
    : html`<p>${t('noAudit')}</p>`;
  return layout(ctx, 'audit', t('navAudit'), body);
}
