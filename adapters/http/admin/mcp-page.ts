import type { Config } from '../../../src/config/read-config.js';
import type { Platform } from '../../../src/domain/inbound-message.js';
import { splitCommand } from '../../../src/mcp/mcp-session.js';
import { shownUrl } from '../../../src/mcp/shown-url.js';
import type { Sql } from '../../../src/store/database.js';
import { listMcpServers } from '../../../src/store/mcp-servers.js';
import { listWorkspaceChannels } from '../../../src/store/workspace-channels.js';
import { currentSettings } from './channel-pages.js';
import { layout, table, type PageContext } from './layout.js';

/**
 * Read-only: the workspace's MCP servers as `mcp list` shows them (the URL without its query, header names but never
 * their values, which stay sealed), the tools an admin marked, and the channels where each is on. Servers are added,
 * removed and turned on in chat (`mcp`), where the same admin rules and the audit apply.
 */
export async function mcpPage(deps: { sql: Sql; config: Config }, ctx: PageContext): Promise<ReturnType<typeof layout>> {
  const { t } = ctx;
  const w = ctx.workspace!;
  const platform = w.platform as Platform;
  const [servers, channels] = await Promise.all([
    listMcpServers(deps.sql, { platform, workspaceId: w.workspaceId }),
    listWorkspaceChannels(deps.sql, platform, w.workspaceId),
  ]);
  const settings = await Promise.all(channels.map((channelId) => currentSettings(deps.sql, deps.config, { platform, workspaceId: w.workspaceId, channelId })));
  const body = table(
    t('navMcp'),
    [t('mcpServer'), t('mcpAddress'), t('mcpHeaders'), t('mcpMarks'), t('mcpOnIn'), t('changedBy')],
    servers.map((s) => [
      s.name,
      s.transport === 'http' ? shownUrl(s.url) : t('mcpLocalCommand', splitCommand(s.command ?? '')[0] ?? ''),
      s.headerNames.join(', ') || t('none'),
      Object.entries(s.toolMarks).map(([tool, mark]) => `${tool}: ${mark}`).join(', ') || t('none'),
      channels
        .map((channelId, i) => ({ channelId, tools: settings[i]!.mcpTools[s.name] }))
        .filter((c) => c.tools)
        .map((c) => `${c.channelId} (${c.tools!.join(', ')})`)
        .join('; ') || t('none'),
      s.createdBy,
    ]),
  );
  return layout(ctx, 'mcp', t('mcpTitle'), body);
}

/** How many servers the workspace has: the nav shows the section only when it has any. */
export async function mcpServerCount(sql: Sql, platform: string, workspaceId: string): Promise<number> {
  return (await listMcpServers(sql, { platform: platform as Platform, workspaceId })).length;
}
