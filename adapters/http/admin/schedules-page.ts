import type { Sql } from '../../../src/store/database.js';
import { listSchedules, type Schedule } from '../../../src/store/schedules.js';
import { listWorkspaceChannels } from '../../../src/store/workspace-channels.js';
import { html, type SafeHtml } from './html.js';
import { layout, table, type PageContext } from './layout.js';

/** The workspace's schedules, channel by channel through the store's own per-channel read. */
export async function workspaceSchedules(sql: Sql, platform: string, workspaceId: string): Promise<Schedule[]> {
  const channels = await listWorkspaceChannels(sql, platform, workspaceId);
  return (await Promise.all(channels.map((channelId) => listSchedules(sql, { platform, workspaceId, channelId })))).flat();
}

/** Read-only: schedules are made, paused and deleted in chat (`schedule`), where the channel's rules apply. */
export async function schedulesPage(deps: { sql: Sql }, ctx: PageContext): Promise<SafeHtml> {
  const { t } = ctx;
  const w = ctx.workspace!;
  const schedules = await workspaceSchedules(deps.sql, w.platform, w.workspaceId);
  const body = table(
    t('navSchedules'),
    [t('channel'), t('spec'), t('prompt'), t('changedBy'), t('status')],
    schedules.map((s) => [s.channelId, `${s.spec} (${s.timeZone})`, s.prompt, s.createdByName, s.status]),
  );
  return layout(ctx, 'schedules', t('schedulesTitle'), body);
}
