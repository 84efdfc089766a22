import { UserFacingError } from '../domain/errors.js';
import { renderBarChart } from '../render/render-bar-chart.js';
import { usageReport, type UsageReport, type UsageScope } from '../store/usage.js';
import { feedbackReport, type FeedbackGroup } from '../store/answers.js';
import type { Command, CommandContext } from './command.js';

const DAYS = 14;

/**
 * `usage`: what the caller has spent, today and over two weeks. `usage channel` and `usage team` (admins) add the
 * top users and a bar chart of the last 14 days, as a PNG.
 */
export const usageCommand: Command = {
  name: 'usage',
  aliases: ['用量'],
  summary: 'Your spend; admins: `usage channel|team|feedback`.',
  example: 'usage team',
  takesArgs: true,
  async run(context) {
    const { message, sql, reply } = context;
    const which = context.args.trim().toLowerCase() || 'me';
    if (!['me', 'channel', 'team', 'workspace', 'feedback', '反馈'].includes(which)) {
      throw new UserFacingError('Write `usage` for your own, or `usage channel` / `usage team` / `usage feedback` (admins).');
    }
    if (which === 'feedback' || which === '反馈') {
      if (!context.isAdmin) throw new UserFacingError('Only admins can see the feedback on answers.');
      await reply.finish(describeFeedback(await feedbackReport(sql, message.platform, message.address.workspaceId, DAYS)));
      return;
    }
    if (which !== 'me' && !context.isAdmin) throw new UserFacingError('Only admins can see the usage of a channel or the team; `usage` shows yours.');
    const scope: UsageScope =
      which === 'me' ? { kind: 'user', userId: message.author.id }
      : which === 'channel' ? { kind: 'channel', channelId: message.address.channelId }
      : { kind: 'workspace' };
    const report = await usageReport(sql, message.platform, message.address.workspaceId, scope, DAYS);
    const title = which === 'me' ? 'Your usage' : which === 'channel' ? 'Usage of this channel' : 'Usage of the team';
    await reply.finish(describe(context, title, report, which !== 'me'));
    if (which !== 'me') {
      const chart = renderBarChart({
        title: `${title}, last ${DAYS} days (USD)`,
        bars: report.days.map((d) => ({ label: d.day.slice(5), value: d.usd })),
        unit: 'USD',
      });
      await reply.attach({ filename: 'usage.png', mimeType: 'image/png', data: chart, comment: `${title}, last ${DAYS} days` });
    }
  },
};

function describe(context: CommandContext, title: string, report: UsageReport, withTopUsers: boolean): string {
  const today = report.days.at(-1) ?? { usd: 0, tokens: 0, calls: 0, fileTokens: 0 };
  const total = report.days.reduce(
    (sum, d) => ({ usd: sum.usd + d.usd, tokens: sum.tokens + d.tokens, calls: sum.calls + d.calls, fileTokens: sum.fileTokens + d.fileTokens }),
    { usd: 0, tokens: 0, calls: 0, fileTokens: 0 },
  );
  // Attached files' share of the input, estimated (read from the cache after their first turn, at a tenth of the price).
  const files = (n: number) => (n > 0 ? `, of which attached files about ${n.toLocaleString('en-US')}` : '');
  const lines = [
    `*${title}*`,
    `• today (UTC): ${money(today.usd)} — ${today.tokens.toLocaleString('en-US')} tokens${files(today.fileTokens)}, ${today.calls} model calls`,
    `• last ${DAYS} days: ${money(total.usd)} — ${total.tokens.toLocaleString('en-US')} tokens${files(total.fileTokens)}, ${total.calls} model calls`,
  ];
  const limit = context.config.controls.limits.userDaily;
  if (!withTopUsers && limit) {
    const parts = [limit.usd !== undefined ? money(limit.usd) : '', limit.tokens !== undefined ? `${limit.tokens.toLocaleString('en-US')} tokens` : ''];
    lines.push(`• your daily limit: ${parts.filter(Boolean).join(' or ')}`);
  }
  if (withTopUsers) {
    lines.push('', `*Top users, last ${DAYS} days*`);
    if (!report.topUsers.length) lines.push('• nobody yet');
    for (const u of report.topUsers) lines.push(`• \`${u.userId}\` — ${money(u.usd)} (${u.calls} calls)`);
  }
  return lines.join('\n');
}

function money(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/**
 * Satisfaction (👍 out of all ratings) per channel config version and per model, so an admin sees whether a persona or
 * model change helped; then the latest reasons given with a 👎.
 */
function describeFeedback(report: Awaited<ReturnType<typeof feedbackReport>>): string {
  const line = (g: FeedbackGroup) => `• \`${g.key}\` — ${g.good} 👍, ${g.bad} 👎 (${Math.round((100 * g.good) / Math.max(1, g.good + g.bad))}% satisfied)`;
  const lines = [`*Feedback on answers, last ${DAYS} days*`, '', '*By channel and config version*'];
  if (!report.byVersion.length) lines.push('• no feedback yet');
  lines.push(...report.byVersion.map(line), '', '*By model*');
  if (!report.byModel.length) lines.push('• no feedback yet');
  lines.push(...report.byModel.map(line));
  if (report.reasons.length) lines.push('', '*Latest reasons*', ...report.reasons.map((r) => `• ${r.rating === 'bad' ? '👎' : '👍'} ${r.reason}`));
  return lines.join('\n');
}
