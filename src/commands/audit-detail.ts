import { createHash } from 'node:crypto';
import type { ChannelSettings } from '../domain/channel-settings.js';

/** What a settings change is recorded as: the action, and a secret-free line saying what changed. */
export interface SettingsAudit {
  action: string;
  detail: string;
}

/** The settings each `config` verb changes, so the action names the verb (`config.budget`) whatever alias was typed. */
const ACTION_OF: Record<string, string> = {
  systemPrompt: 'config.prompt',
  model: 'config.model',
  replyMode: 'config.reply-mode',
  skills: 'config.skills',
  dailyBudgetUsd: 'config.budget',
  timeZone: 'config.timezone',
  scheduling: 'config.schedules',
  knowledge: 'config.knowledge',
  webSearch: 'config.web',
  webFetch: 'config.web',
  webAllowedDomains: 'config.web',
  webBlockedDomains: 'config.web',
  thinking: 'config.thinking',
  mcpTools: 'mcp.channel',
};

/**
 * Describes a change of a channel's settings for the audit log, field by field. A persona is never copied (people
 * paste anything into one, keys included): only that it changed, its length and a short fingerprint, enough to tell
 * two versions apart or match one to `config history`. Fields this file does not know are named, not shown.
 */
export function settingsAudit(
  before: ChannelSettings,
  after: ChannelSettings,
  options: { version: number; defaultPrompt: string; rollbackTo?: number },
): SettingsAudit {
  const changes: string[] = [];
  const changed: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ChannelSettings>;
  for (const key of keys) {
    if (key === ('version' as string) || JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    changed.push(key);
    changes.push(describeField(key, before[key], after[key], options.defaultPrompt));
  }
  const action = options.rollbackTo !== undefined ? 'config.rollback' : changed.length === 1 ? (ACTION_OF[changed[0]!] ?? 'config.change') : 'config.change';
  const what = changes.length ? changes.join('; ') : 'no change';
  const head = options.rollbackTo !== undefined ? `v${options.version}, rollback to v${options.rollbackTo}` : `v${options.version}`;
  return { action, detail: `${head}: ${what}` };
}

function describeField(key: keyof ChannelSettings, before: unknown, after: unknown, defaultPrompt: string): string {
  switch (key) {
    case 'systemPrompt':
      return after === defaultPrompt ? 'persona set to the default' : `persona changed (${personaShape(String(after))})`;
    case 'model':
      return `model ${String(before)} → ${String(after)}`;
    case 'replyMode':
      return `reply mode ${String(before)} → ${String(after)}`;
    case 'skills':
      return `skills ${list(before)} → ${list(after)}`;
    case 'dailyBudgetUsd':
      return `daily budget ${money(before)} → ${money(after)}`;
    case 'timeZone':
      return `time zone ${String(before ?? 'UTC')} → ${String(after ?? 'UTC')}`;
    case 'scheduling':
      return `schedules by ${String(before)} → ${String(after)}`;
    case 'knowledge':
      return `knowledge ${before ? 'on' : 'off'} → ${after ? 'on' : 'off'}`;
    case 'webSearch':
      return `web search ${before ? 'on' : 'off'} → ${after ? 'on' : 'off'}`;
    case 'webFetch':
      return `web fetch ${before ? 'on' : 'off'} → ${after ? 'on' : 'off'}`;
    case 'webAllowedDomains':
      return `web allowed domains ${list(before)} → ${list(after)}`;
    case 'webBlockedDomains':
      return `web blocked domains ${list(before)} → ${list(after)}`;
    case 'thinking':
      return `thinking ${String(before ?? 'default')} → ${String(after ?? 'default')}`;
    default:
      return `${String(key)} changed`;
  }
}

/** Length and the first 8 hex digits of its SHA-256: tells versions apart, gives nothing of the text away. */
export function personaShape(text: string): string {
  const fingerprint = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
  return `${text.length.toLocaleString('en-US')} characters, fingerprint ${fingerprint}`;
}

function list(value: unknown): string {
  return Array.isArray(value) && value.length ? value.join(', ') : 'none';
}

function money(value: unknown): string {
  return typeof value === 'number' ? `$${value.toFixed(2)}` : 'none';
}
