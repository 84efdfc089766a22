import { modelProblem } from '../claude/check-model.js';
import { SKILL_NAMES, type ChannelSettings } from '../domain/channel-settings.js';
import { UserFacingError } from '../domain/errors.js';
import { channelKeyOf, listSettingsHistory, saveChannelSettings, type ChannelKey } from '../store/channel-settings.js';
import { listAdmins } from '../store/user-roles.js';
import { setKnowledgeIndex } from '../knowledge/knowledge-index.js';
import { backfillChannel, BACKFILL_DAYS } from '../knowledge/backfill.js';
import { describeThinking, parseThinking } from '../tools/thinking-setting.js';
import { describeWeb, webChange } from '../tools/web-setting.js';
import { isTimeZone } from '../schedules/parse-schedule.js';
import { settingsAudit } from './audit-detail.js';
import type { Command, CommandContext } from './command.js';
import { recordAudit, type AuditAction } from './record-audit.js';
import { plainSettings, rollbackChannelSettings } from './settings-rollback.js';

const USAGE = [
  '`config show` — the settings in force here',
  '`config prompt <text>` — the persona (system prompt); `config prompt default` restores the default',
  '`config model <model id>` — e.g. `claude-haiku-5-5`',
  '`config reply-mode threads|mentions` — follow threads, or answer on mentions only',
  '`config skills doc,analyze,palette,parallel` — the skills that may run here (`none` for none)',
  '`config budget <dollars>|none` — the most this channel may spend per day',
  '`config timezone <IANA zone>|none` — the time zone schedules here are read in, e.g. `Asia/Shanghai`',
  '`config schedules everyone|admins` — who may make schedules here',
  '`config knowledge on|off` — index this channel so I can search its history (off by default)',
  '`config web search on|off`, `config web fetch on|off` — let me search the web and read pages (off by default)',
  '`config web allow <domains>|none`, `config web block <domains>|none` — e.g. `example.com,docs.rs` (one or the other)',
  '`config thinking on|off|default|<tokens>` — how much I think before answering (default: as needed, medium effort)',
  '`config history` — every change, who made it and when',
  '`config rollback [version]` — restore an earlier version (default: the one before the current)',
].join('\n');

/**
 * `config`: per-channel settings. Anyone may look; only admins may change. Every change is a new version with who
 * made it, and a rollback is a change too, so nothing is ever lost.
 */
export const configCommand: Command = {
  name: 'config',
  aliases: ['设置', '配置'],
  summary: 'Shows or (admins) changes how I behave in this channel.',
  example: 'config show',
  takesArgs: true,
  async run(context) {
    const [verb = 'show', ...rest] = context.args.split(/\s+/);
    const value = context.args.slice(verb.length).trim();
    const action = verb.toLowerCase();
    if (action === 'show' || action === '') return context.reply.finish(await describe(context));
    if (action === 'history') return context.reply.finish(await history(context));
    if (action === 'help') return context.reply.finish(USAGE);
    await requireAdmin(context);
    if (action === 'rollback') return context.reply.finish(await rollback(context, rest[0]));
    const change = changeOf(context, action, value);
    const key = channelKeyOf(context.message.platform, context.message.address);
    const next = { ...plain(context.settings), ...change.settings };
    const version = await saveChannelSettings(context.sql, key, next, change.description, who(context));
    // The index follows the setting at once: turned on, what the channel already said becomes searchable; turned off,
    // nothing of it stays searchable.
    if (next.knowledge !== context.settings.knowledge) await setKnowledgeIndex(context.sql, key, next.knowledge);
    await recordAudit(context, settingsAudit(plain(context.settings), next, { version, defaultPrompt: context.config.systemPrompt }));
    context.log.info({ version, change: change.description }, 'channel settings changed');
    const backfilled = next.knowledge && !context.settings.knowledge ? await backfill(context, key) : '';
    await context.reply.finish(`Done (version ${version}): ${change.description}.${backfilled}`);
  },
};

/**
 * Knowledge just turned on: the channel's recent history is indexed (src/knowledge/backfill.ts). The setting stands
 * whether or not the history could be read; a failure is said in the answer and logged, never the whole command.
 */
async function backfill(context: CommandContext, key: ChannelKey): Promise<string> {
  try {
    const indexed = await backfillChannel(context.sql, context.egress, key);
    if (indexed === undefined) return '';
    return ` I indexed ${indexed} earlier message${indexed === 1 ? '' : 's'} of this channel (the last ${BACKFILL_DAYS} days, at most 1,000); new ones are indexed as they are posted.`;
  } catch (error) {
    context.log.warn({ err: error }, 'could not read the channel history to index it (does the bot have channels:history / groups:history on Slack, Read Message History on Discord?)');
    return " I could not read this channel's earlier messages (check that I may read its history); new ones are indexed as they are posted.";
  }
}

async function requireAdmin(context: CommandContext): Promise<void> {
  if (context.isAdmin) return;
  const { platform, address } = context.message;
  const { here, operators } = await listAdmins(context.sql, context.config, { platform, workspaceId: address.workspaceId });
  const admins = [...here, ...operators];
  const names = admins.length ? admins.map((a) => `\`${a}\``).join(', ') : 'nobody yet (set XIAOLIU_ADMINS)';
  throw new UserFacingError(`Only admins can change settings. Admins here: ${names}.`);
}

function changeOf(context: CommandContext, action: string, value: string): { settings: Partial<ChannelSettings>; description: string } {
  switch (action) {
    case 'prompt':
    case 'persona': {
      if (!value) throw new UserFacingError('Give the new persona after `config prompt`, or `config prompt default`.');
      if (value.length > 8000) throw new UserFacingError('That persona is too long: keep it under 8,000 characters.');
      const prompt = value.toLowerCase() === 'default' ? context.config.systemPrompt : value;
      return { settings: { systemPrompt: prompt }, description: `persona set to “${preview(prompt)}”` };
    }
    case 'model': {
      if (!/^[a-z0-9][a-z0-9.@:_-]{2,100}$/.test(value)) {
        throw new UserFacingError('Give a model id after `config model`, such as `claude-haiku-5-5`.');
      }
      const problem = modelProblem(value, context.config.anthropic.prices);
      if (problem) throw new UserFacingError(`I did not change the model: ${problem}.`);
      return { settings: { model: value }, description: `model set to ${value}` };
    }
    case 'reply-mode':
    case 'replymode': {
      const mode = value.toLowerCase();
      if (mode !== 'threads' && mode !== 'mentions') throw new UserFacingError('Reply mode is `threads` or `mentions`.');
      return { settings: { replyMode: mode }, description: `reply mode set to ${mode}` };
    }
    case 'skills': {
      const names = value.toLowerCase() === 'none' ? [] : value.split(/[\s,]+/).filter(Boolean).map((s) => s.toLowerCase());
      const unknown = names.filter((n) => !(SKILL_NAMES as readonly string[]).includes(n));
      if (unknown.length || (!names.length && value.toLowerCase() !== 'none')) {
        throw new UserFacingError(`Skills are ${SKILL_NAMES.join(', ')} (or \`none\`)${unknown.length ? `; I don't know ${unknown.join(', ')}` : ''}.`);
      }
      return { settings: { skills: [...new Set(names)] }, description: `skills set to ${names.length ? names.join(', ') : 'none'}` };
    }
    case 'budget': {
      if (value.toLowerCase() === 'none') return { settings: { dailyBudgetUsd: null }, description: 'daily budget removed' };
      const amount = Number(value.replace(/^\$/, '').replace(/usd$/i, '').trim());
      if (!Number.isFinite(amount) || amount < 0 || !value.trim()) {
        throw new UserFacingError('Give the daily budget in US dollars, such as `config budget 5`, or `config budget none`.');
      }
      return { settings: { dailyBudgetUsd: amount }, description: `daily budget set to $${amount.toFixed(2)}` };
    }
    case 'timezone':
    case 'time-zone':
    case 'tz': {
      if (value.toLowerCase() === 'none' || value.toLowerCase() === 'utc') return { settings: { timeZone: null }, description: 'time zone set to UTC' };
      if (!isTimeZone(value)) throw new UserFacingError('Give an IANA time zone after `config timezone`, such as `Asia/Shanghai`, or `none` for UTC.');
      return { settings: { timeZone: value }, description: `time zone set to ${value}` };
    }
    case 'schedules':
    case 'scheduling': {
      const who = value.toLowerCase();
      if (who !== 'everyone' && who !== 'admins') throw new UserFacingError('Who may schedule is `everyone` or `admins`.');
      return { settings: { scheduling: who }, description: `schedules may be made by ${who}` };
    }
    case 'knowledge': {
      const on = value.toLowerCase();
      if (on !== 'on' && on !== 'off') throw new UserFacingError('Knowledge is `on` or `off`.');
      return { settings: { knowledge: on === 'on' }, description: `knowledge ${on}` };
    }
    case 'web':
      return webChange(context.settings, value);
    case 'thinking': {
      const thinking = parseThinking(value);
      return { settings: { thinking }, description: `thinking set to ${describeThinking(thinking)}` };
    }
    default:
      throw new UserFacingError(`I don't know the setting \`${action}\`. What you can do:\n${USAGE}`);
  }
}

async function describe(context: CommandContext): Promise<string> {
  const s = context.settings;
  return [
    `*Settings for this channel* (version ${s.version})`,
    `• persona: “${preview(s.systemPrompt, 200)}”`,
    `• model: ${s.model}`,
    `• reply mode: ${s.replyMode}`,
    `• skills: ${s.skills.length ? s.skills.join(', ') : 'none'}`,
    `• daily budget: ${s.dailyBudgetUsd === null ? 'none (team limits apply)' : `$${s.dailyBudgetUsd.toFixed(2)}`}`,
    `• time zone: ${s.timeZone ?? 'UTC'}`,
    `• schedules may be made by: ${s.scheduling}`,
    `• knowledge (search of this channel's history): ${s.knowledge ? 'on' : 'off'}`,
    `• web: ${describeWeb(s)}`,
    `• thinking: ${describeThinking(s.thinking)}`,
    `• MCP tools: ${Object.keys(s.mcpTools).length ? Object.entries(s.mcpTools).map(([server, tools]) => `${server} (${tools.join(', ')})`).join('; ') : 'none'}`,
    '',
    context.isAdmin ? 'Change one with `config <setting> <value>`; `config help` lists them.' : 'Admins can change these.',
  ].join('\n');
}

async function history(context: CommandContext): Promise<string> {
  const versions = await listSettingsHistory(context.sql, channelKeyOf(context.message.platform, context.message.address));
  if (!versions.length) return 'No changes yet: this channel uses the defaults.';
  return ['*Settings history* (newest first)', ...versions.map((v) => `• v${v.version} — ${v.change} — by ${v.changedBy}, ${v.changedAt.slice(0, 16)} UTC`)].join('\n');
}

async function rollback(context: CommandContext, versionArg: string | undefined): Promise<string> {
  const key = channelKeyOf(context.message.platform, context.message.address);
  const actor = { changedBy: who(context), record: (what: AuditAction) => recordAudit(context, what) };
  const { version, target } = await rollbackChannelSettings(context, key, context.settings, versionArg, actor);
  return `Done (version ${version}): restored the settings of version ${target}.`;
}

/** The settings without the version number loadChannelSettings adds. */
export const plain = plainSettings;

function who(context: CommandContext): string {
  return `${context.message.author.name} (${context.message.author.id})`;
}

function preview(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
