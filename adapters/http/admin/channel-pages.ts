import type { Config } from '../../../src/config/read-config.js';
import { defaultSettings, type SettingsInForce } from '../../../src/domain/channel-settings.js';
import { listSettingsHistory, settingsInForce, type ChannelKey } from '../../../src/store/channel-settings.js';
import type { Sql } from '../../../src/store/database.js';
import { listWorkspaceChannels } from '../../../src/store/workspace-channels.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, inWorkspace, layout, notice, table, when, type PageContext } from './layout.js';
import { describeThinking } from '../../../src/tools/thinking-setting.js';
import { describeWeb } from '../../../src/tools/web-setting.js';

/** The channel a console URL names, always inside the workspace in view: a channel id alone can never leave it. */
export function channelKey(ctx: PageContext, channelId: string): ChannelKey {
  return { platform: ctx.workspace!.platform, workspaceId: ctx.workspace!.workspaceId, channelId };
}

/** The settings in force in a channel, read as the worker reads them: the newest version over the defaults. */
export async function currentSettings(sql: Sql, config: Config, key: ChannelKey): Promise<SettingsInForce> {
  const [newest] = await listSettingsHistory(sql, key, 1);
  return settingsInForce(newest, defaultSettings(config));
}

export async function channelsPage(deps: { sql: Sql }, ctx: PageContext): Promise<SafeHtml> {
  const { t } = ctx;
  const w = ctx.workspace!;
  const channels = await listWorkspaceChannels(deps.sql, w.platform, w.workspaceId);
  const body = channels.length
    ? html`<ul class="channels">${channels.map((c) => html`<li><a href="${inWorkspace(ctx, '/admin/channel', { c })}">${c}</a></li>`)}</ul>`
    : html`<p>${t('noChannels')}</p>`;
  return layout(ctx, 'channels', t('channelsTitle'), body);
}

/** One channel: the settings in force, and every version with a Roll back button (the same rule as `config rollback`). */
export async function channelPage(deps: { sql: Sql; config: Config }, ctx: PageContext, channelId: string, message?: SafeHtml): Promise<SafeHtml> {
  const { t } = ctx;
  const key = channelKey(ctx, channelId);
  const [s, versions] = await Promise.all([currentSettings(deps.sql, deps.config, key), listSettingsHistory(deps.sql, key, 100)]);
  const settingsRows: [string, string | SafeHtml][] = [
    [t('version'), `v${s.version}`],
    [t('persona'), html`<span class="persona">${s.systemPrompt}</span>`],
    [t('model'), s.model],
    [t('replyMode'), s.replyMode],
    [t('skills'), s.skills.length ? s.skills.join(', ') : t('none')],
    [t('dailyBudget'), s.dailyBudgetUsd === null ? t('none') : `$${s.dailyBudgetUsd.toFixed(2)}`],
    [t('timeZone'), s.timeZone ?? 'UTC'],
    [t('scheduling'), s.scheduling],
    [t('knowledge'), s.knowledge ? t('on') : t('off')],
    // Every setting a rollback can change is shown, in the words `config` uses.
    [t('web'), describeWeb(s)],
    [t('thinking'), describeThinking(s.thinking)],
    [t('mcpTools'), Object.entries(s.mcpTools).map(([server, tools]) => `${server} (${tools.join(', ')})`).join('; ') || t('none')],
  ];
  const rollbackButton = (version: number) =>
    html`<form method="post" action="/admin/channel/rollback" class="inline">${csrfField(ctx)}<input type="hidden" name="w" value="${ctx.workspace!.key}"><input type="hidden" name="c" value="${channelId}"><input type="hidden" name="version" value="${version}"><button type="submit">${t('rollback', version)}</button></form>`;
  const current = versions[0]?.version ?? 0;
  const historyRows = versions.map((v) => [`v${v.version}`, v.change, v.changedBy, when(v.changedAt), v.version === current ? '' : rollbackButton(v.version)]);
  if (versions.length) historyRows.push(['v0', t('defaults'), '', '', rollbackButton(0)]);
  const history = versions.length ? table(t('history'), [t('version'), t('change'), t('changedBy'), t('when'), t('actions')], historyRows) : html`<p>${t('noHistory')}</p>`;
  return layout(
    ctx,
    'channels',
    t('settingsTitle', channelId),
    html`${message ?? ''}<dl class="settings">${settingsRows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl><h2>${t('history')}</h2>${history}`,
  );
}

export function rolledBackNotice(ctx: PageContext, version: number, target: number): SafeHtml {
  return notice(ctx.t('rolledBack', version, target));
}
