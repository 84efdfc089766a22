import type { Config, DailyLimit } from '../../../src/config/read-config.js';
import { defaultSettings } from '../../../src/domain/channel-settings.js';
import { listSettingsHistory, settingsInForce } from '../../../src/store/channel-settings.js';
import type { Sql } from '../../../src/store/database.js';
import { usageBreakdown, type UsageGroup } from '../../../src/store/usage-breakdown.js';
import { usageReport, usageToday, type Spent, type UsageScope } from '../../../src/store/usage.js';
import { html, type SafeHtml } from './html.js';
import { layout, money, table, type PageContext } from './layout.js';
import { barChartSvg } from './svg-bar-chart.js';

/** The same window as `usage` in chat. */
export const USAGE_DAYS = 14;

/**
 * Usage: by day, person, channel and model, each a server-drawn chart with its figures in a table, and today's
 * spending against every daily budget that applies. Admins see their workspace; members see only their own usage
 * (the same rule as `usage` and `usage team` in chat), through the same store functions.
 */
export async function usagePage(deps: { sql: Sql; config: Config }, ctx: PageContext): Promise<SafeHtml> {
  const { t } = ctx;
  const w = ctx.workspace!;
  const admin = w.role === 'admin';
  const scope: UsageScope = admin ? { kind: 'workspace' } : { kind: 'user', userId: w.userId };
  const [report, breakdown] = await Promise.all([
    usageReport(deps.sql, w.platform, w.workspaceId, scope, USAGE_DAYS),
    usageBreakdown(deps.sql, w.platform, w.workspaceId, scope, USAGE_DAYS),
  ]);
  const sections: SafeHtml[] = [];
  sections.push(
    chartSection(ctx, 'by-day', t('byDay'), t('day'), report.days.map((d) => ({ key: d.day, usd: d.usd, tokens: d.tokens, calls: d.calls, todayUsd: 0 })), 'columns'),
  );
  if (admin) sections.push(chartSection(ctx, 'by-person', t('byPerson'), t('person'), breakdown.byUser, 'rows'));
  sections.push(chartSection(ctx, 'by-channel', t('byChannel'), t('channel'), breakdown.byChannel, 'rows'));
  sections.push(chartSection(ctx, 'by-model', t('byModel'), t('model'), breakdown.byModel, 'rows'));
  const budgets = await budgetSection(deps, ctx, breakdown.byChannel.map((c) => c.key));
  return layout(ctx, 'usage', admin ? t('usageTitle', USAGE_DAYS) : t('yourUsageTitle', USAGE_DAYS), html`${budgets}${sections}`);
}

function chartSection(ctx: PageContext, id: string, title: string, keyHead: string, groups: UsageGroup[], layoutKind: 'columns' | 'rows'): SafeHtml {
  const { t } = ctx;
  const label = (key: string) => (layoutKind === 'columns' ? key.slice(5) : key);
  const chart = groups.length
    ? barChartSvg({ id, title, desc: t('chartDesc', title), bars: groups.map((g) => ({ label: label(g.key), value: g.usd })), format: money, layout: layoutKind })
    : html`<p>${t('noUsage')}</p>`;
  const rows = groups.map((g) => [g.key, money(g.usd), g.tokens.toLocaleString('en-US'), g.calls]);
  return html`<section aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2>${chart}${groups.length ? table(title, [keyHead, t('usd'), t('tokens'), t('calls')], rows) : ''}</section>`;
}

/** Today's spending against each daily limit in force here: the workspace's, each channel's, and the person's own. */
async function budgetSection(deps: { sql: Sql; config: Config }, ctx: PageContext, channels: string[]): Promise<SafeHtml> {
  const { t } = ctx;
  const w = ctx.workspace!;
  const limits = deps.config.controls.limits;
  const rows: SafeHtml[] = [];
  const today = (channelId: string) => usageToday(deps.sql, w.platform, { workspaceId: w.workspaceId, channelId }, w.userId);
  if (w.role === 'admin') {
    const first = await today(channels[0] ?? '-');
    if (limits.workspaceDaily) rows.push(budgetRow(ctx, t('budgetWorkspace'), first.workspace, limits.workspaceDaily));
    for (const channelId of channels) {
      const [newest] = await listSettingsHistory(deps.sql, { platform: w.platform, workspaceId: w.workspaceId, channelId }, 1);
      const own = settingsInForce(newest, defaultSettings(deps.config)).dailyBudgetUsd;
      const usd = [limits.channelDaily?.usd, own ?? undefined].filter((v): v is number => v !== undefined);
      const limit: DailyLimit = { ...(usd.length ? { usd: Math.min(...usd) } : {}), ...(limits.channelDaily?.tokens !== undefined ? { tokens: limits.channelDaily.tokens } : {}) };
      if (limit.usd === undefined && limit.tokens === undefined) continue;
      rows.push(budgetRow(ctx, t('budgetChannel', channelId), (await today(channelId)).channel, limit));
    }
  }
  if (limits.userDaily) rows.push(budgetRow(ctx, t('budgetYou'), (await today('-')).user, limits.userDaily));
  const body = rows.length
    ? html`<table><caption>${t('budgets')}</caption><thead><tr><th scope="col">${t('budget')}</th><th scope="col">${t('spent')}</th><th scope="col">${t('limit')}</th><th scope="col">%</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p>${t('noBudgets')}</p>`;
  return html`<section aria-labelledby="budgets-h"><h2 id="budgets-h">${t('budgets')}</h2>${body}</section>`;
}

/** One budget: the nearer of its dollar and token limits decides how close it is. */
function budgetRow(ctx: PageContext, label: string, spent: Spent, limit: DailyLimit): SafeHtml {
  const shares = [
    ...(limit.usd !== undefined ? [limit.usd > 0 ? spent.usd / limit.usd : 1] : []),
    ...(limit.tokens !== undefined ? [limit.tokens > 0 ? spent.tokens / limit.tokens : 1] : []),
  ];
  const share = Math.max(...shares, 0);
  const percent = Math.round(share * 100);
  const limitText = [limit.usd !== undefined ? money(limit.usd) : '', limit.tokens !== undefined ? `${limit.tokens.toLocaleString('en-US')} ${ctx.t('tokens')}` : '']
    .filter(Boolean)
    .join(' / ');
  return html`<tr><th scope="row">${label}</th><td>${money(spent.usd)} · ${spent.tokens.toLocaleString('en-US')} ${ctx.t('tokens')}</td><td>${limitText}</td><td><meter min="0" max="100" low="60" high="85" optimum="0" value="${Math.min(percent, 100)}" aria-label="${label}: ${percent}%"></meter> ${percent}%</td></tr>`;
}
