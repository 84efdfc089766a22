import type { Config } from '../config/read-config.js';
import { defaultSettings, type ChannelSettings } from '../domain/channel-settings.js';
import { UserFacingError } from '../domain/errors.js';
import { setKnowledgeIndex } from '../knowledge/knowledge-index.js';
import { listSettingsHistory, saveChannelSettings, type ChannelKey } from '../store/channel-settings.js';
import type { Sql } from '../store/database.js';
import { settingsAudit } from './audit-detail.js';
import type { AuditAction } from './record-audit.js';

/** Who rolls back, as the history and the audit log name them. */
export interface SettingsActor {
  /** "Name (id)", as `config history` shows it. */
  changedBy: string;
  /** Records the audit entry, where the change was made (a chat message, a console request). */
  record(what: AuditAction): Promise<void>;
}

/**
 * Restores an earlier version of a channel's settings as a new version (the history is never rewritten), follows it
 * with the knowledge index, and audits it. The one rule for `config rollback` in chat and the console's Roll back
 * button. `versionArg` undefined: the version before the current one; 0: the defaults.
 */
export async function rollbackChannelSettings(
  deps: { sql: Sql; config: Config },
  key: ChannelKey,
  current: ChannelSettings,
  versionArg: string | undefined,
  actor: SettingsActor,
): Promise<{ version: number; target: number }> {
  const { sql, config } = deps;
  const versions = await listSettingsHistory(sql, key, 1000);
  const newest = versions[0]?.version ?? 0;
  const target = versionArg === undefined ? newest - 1 : Number(versionArg.replace(/^v/i, ''));
  if (!Number.isInteger(target) || target < 0 || target > newest) {
    throw new UserFacingError(`There is no version ${versionArg ?? target} to roll back to; \`config history\` lists them.`);
  }
  // Version 0 is the defaults, before any change.
  const settings = target === 0 ? {} : versions.find((v) => v.version === target)?.settings;
  if (!settings) throw new UserFacingError(`Version ${target} is not in the history any more.`);
  const restored = { ...defaultSettings(config), ...settings } as ChannelSettings;
  const before = plainSettings(current);
  const version = await saveChannelSettings(sql, key, plainSettings(restored), `rollback to v${target}`, actor.changedBy);
  if (restored.knowledge !== before.knowledge) await setKnowledgeIndex(sql, key, restored.knowledge);
  await actor.record(settingsAudit(before, plainSettings(restored), { version, defaultPrompt: config.systemPrompt, rollbackTo: target }));
  return { version, target };
}

/**
 * The settings without the version number the settings in force carry (and without any key a stored version may
 * hold that is no setting any more). Every setting must be named here, or a change or rollback would drop it.
 */
export function plainSettings(settings: ChannelSettings): ChannelSettings {
  const { systemPrompt, model, replyMode, skills, dailyBudgetUsd, timeZone, scheduling, knowledge } = settings;
  const { webSearch, webFetch, webAllowedDomains, webBlockedDomains, thinking, mcpTools } = settings;
  return { systemPrompt, model, replyMode, skills, dailyBudgetUsd, timeZone, scheduling, knowledge, webSearch, webFetch, webAllowedDomains, webBlockedDomains, thinking, mcpTools };
}
