import type { WebClient } from '@slack/web-api';
import type { Command } from '../../src/commands/command.js';
import type { AnswerActions } from '../../src/interactions/answer-actions.js';
import type { Sql } from '../../src/store/database.js';
import { usageReport } from '../../src/store/usage.js';

/** Days of the team chart on an admin's Home tab. */
const CHART_DAYS = 7;
/** Width of the longest bar, in block characters (Block Kit has no charts: a code block of bars reads as one). */
const BAR_WIDTH = 24;

/**
 * The App Home tab, published for one person when they open it (app_home_opened → views.publish,
 * https://docs.slack.dev/surfaces/app-home): what Xiaoliu can do, their usage today, this workspace's channels Xiaoliu
 * is in and whether they may configure them; for admins, the team's spending over the last week as a bar chart.
 */
export async function publishAppHome(
  deps: { client: WebClient; sql: Sql; answers: AnswerActions; commands: readonly Command[] },
  teamId: string,
  userId: string,
): Promise<void> {
  const { sql } = deps;
  const admin = await deps.answers.isAdmin('slack', teamId, userId);
  const mine = await usageReport(sql, 'slack', teamId, { kind: 'user', userId }, 1);
  const today = mine.days.at(-1) ?? { usd: 0, tokens: 0, calls: 0 };
  const channels = await sql<{ channelId: string; version: number | null }[]>`
    select c.channel_id as "channelId", (select max(version) from channel_settings s
      where s.platform = 'slack' and s.workspace_id = ${teamId} and s.channel_id = c.channel_id) as version
    from conversations c where c.platform = 'slack' and c.workspace_id = ${teamId} and c.channel_id not like 'D%'
    group by c.channel_id order by c.channel_id limit 20`;
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Xiaoliu (小柳)' } },
    section('*What I can do.* Mention me in a channel, DM me, or use a message’s ⋮ menu: *Summarize thread*, *Ask Xiaoliu about this*. Every answer has ⏹ Stop, 🔄 Regenerate and 👍 / 👎.'),
    section(deps.commands.map((c) => `• \`${c.name}\` — ${c.summary}`).join('\n').slice(0, 2900)),
    { type: 'divider' },
    section(`*Your usage today (UTC):* $${today.usd.toFixed(4)} — ${today.tokens.toLocaleString('en-US')} tokens, ${today.calls} model calls`),
    section(
      channels.length === 0
        ? '*Channels:* I am not in any channel of this workspace yet.'
        : `*Channels I answer in*${admin ? ' (you can configure them: `config` in the channel)' : ' (an admin configures them)'}:\n` +
            channels.map((c) => `• <#${c.channelId}> — settings ${c.version ? `v${c.version}` : 'default'}`).join('\n'),
    ),
  ];
  if (admin) {
    const team = await usageReport(sql, 'slack', teamId, { kind: 'workspace' }, CHART_DAYS);
    const most = Math.max(...team.days.map((d) => d.usd), 0);
    const bars = team.days.map((d) => `${d.day.slice(5)} ${'█'.repeat(most > 0 ? Math.round((d.usd / most) * BAR_WIDTH) : 0).padEnd(BAR_WIDTH)} $${d.usd.toFixed(2)}`);
    blocks.push({ type: 'divider' }, section(`*Team spending, last ${CHART_DAYS} days* (admins)\n\`\`\`\n${bars.join('\n')}\n\`\`\``));
  }
  await deps.client.views.publish({ user_id: userId, view: { type: 'home', blocks: blocks as never } });
}
