import { feedbackReport, type FeedbackGroup } from '../../../src/store/answers.js';
import type { Sql } from '../../../src/store/database.js';
import { html, type SafeHtml } from './html.js';
import { layout, table, type PageContext } from './layout.js';
import { barChartSvg } from './svg-bar-chart.js';
import { USAGE_DAYS } from './usage-page.js';

/** 👍 and 👎 per channel config version and per model, as `usage feedback` reports them (the same store function). */
export async function feedbackPage(deps: { sql: Sql }, ctx: PageContext): Promise<SafeHtml> {
  const { t } = ctx;
  const w = ctx.workspace!;
  const report = await feedbackReport(deps.sql, w.platform, w.workspaceId, USAGE_DAYS);
  const percent = (g: FeedbackGroup) => Math.round((100 * g.good) / Math.max(1, g.good + g.bad));
  const section = (id: string, title: string, head: string, groups: FeedbackGroup[]) =>
    html`<section aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2>${
      groups.length
        ? html`${barChartSvg({ id, title: `${title}: ${t('satisfied')}`, desc: t('chartDesc', title), bars: groups.map((g) => ({ label: g.key, value: percent(g) })), format: (v) => `${v}%`, layout: 'rows' })}${table(
            title,
            [head, t('good'), t('bad'), t('satisfied')],
            groups.map((g) => [g.key, g.good, g.bad, `${percent(g)}%`]),
          )}`
        : html`<p>${t('noFeedback')}</p>`
    }</section>`;
  const reasons = report.reasons.length
    ? html`<section aria-labelledby="reasons-h"><h2 id="reasons-h">${t('reasons')}</h2><ul>${report.reasons.map((r) => html`<li>${r.rating === 'bad' ? '👎' : '👍'} ${r.reason}</li>`)}</ul></section>`
    : '';
  return layout(
    ctx,
    'feedback',
    t('feedbackTitle', USAGE_DAYS),
    html`${section('fb-version', t('byVersion'), `${t('channel')} / ${t('version')}`, report.byVersion)}${section('fb-model', t('perModel'), t('model'), report.byModel)}${reasons}`,
  );
}
