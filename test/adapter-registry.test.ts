import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../adapters/registry.js';
import { isAllowed } from '../src/config/is-allowed.js';
import { readConfig } from '../src/config/read-config.js';
import { createLogger } from '../src/log/create-logger.js';

// What every registered platform gets from the core without a line of its own: settings, redaction, allow-lists.
describe('the adapter registry', () => {
  it.each(ADAPTERS.map((a) => [a.platform]))('%s is one folder: its module and its settings reader', (platform) => {
    expect(existsSync(`adapters/${platform}/index.ts`)).toBe(true);
    expect(existsSync(`adapters/${platform}/${platform}-config.ts`)).toBe(true);
  });

  it('blanks every platform’s secret fields in logs, however deep the settings are logged', () => {
    const chunks: string[] = [];
    const log = createLogger({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void chunks.push(String(chunk))) }));
    const canaries: string[] = [];
    for (const adapter of ADAPTERS) {
      const settings = Object.fromEntries(adapter.secretFields.map((field) => [field, `canary-${adapter.platform}-${field}`]));
      canaries.push(...Object.values(settings));
      log.info({ config: { platforms: { [adapter.platform]: settings } } }, 'whole config');
      log.info({ [adapter.platform]: settings }, 'one platform');
      log.info(settings, 'flat');
    }
    expect(chunks).toHaveLength(ADAPTERS.length * 3);
    for (const canary of canaries) expect(chunks.join('')).not.toContain(canary);
  });

  it('applies ALLOWED_CHANNELS and the workspace lists to every platform but those that control access themselves', () => {
    const config = readConfig({ ALLOWED_CHANNELS: 'slack:C1,discord:80351110224678913', ALLOWED_SLACK_WORKSPACES: 'T1' });
    const allowed = (platform: string, workspaceId: string, channelId: string) =>
      isAllowed(config.controls, { platform, workspaceId, channelId, isDm: false });
    expect(allowed('slack', 'T1', 'C1')).toBe(true);
    expect(allowed('slack', 'T2', 'C1')).toBe(false);
    expect(allowed('slack', 'T1', 'C2')).toBe(false);
    expect(allowed('discord', '80351110224678912', '80351110224678913')).toBe(true);
    expect(allowed('discord', '80351110224678912', '80351110224678914')).toBe(false);
    // A platform added tomorrow is covered by the channel list from its first message: not listed, not answered.
    expect(allowed('teams', 'W1', 'C1')).toBe(false);
    for (const adapter of ADAPTERS.filter((a) => a.ownAccessControl)) expect(allowed(adapter.platform, 'W1', 'C9')).toBe(true);
    expect(ADAPTERS.filter((a) => a.ownAccessControl).map((a) => a.platform)).toEqual(['shell', 'http']);
  });

  it('decides Discord DMs, which no list can name, by ALLOWED_DISCORD_DMS: unset, only while no list applies to Discord', () => {
    const dm = (env: Record<string, string>) =>
      isAllowed(readConfig(env).controls, { platform: 'discord', workspaceId: '@dm:80351110224678915', channelId: '80351110224678915', isDm: true });
    const guild = '80351110224678912';
    expect(dm({})).toBe(true);
    expect(dm({ ALLOWED_DISCORD_GUILDS: guild })).toBe(false);
    expect(dm({ ALLOWED_CHANNELS: 'discord:80351110224678913' })).toBe(false);
    expect(dm({ ALLOWED_DISCORD_GUILDS: guild, ALLOWED_DISCORD_DMS: 'true' })).toBe(true);
    expect(dm({ ALLOWED_DISCORD_DMS: 'false' })).toBe(false);
    expect(() => readConfig({ ALLOWED_DISCORD_DMS: 'sometimes' })).toThrow(/ALLOWED_DISCORD_DMS must be true or false/);
    // Slack's DMs belong to its workspace: the lists decide them as they do channels.
    const slackDm = (env: Record<string, string>) =>
      isAllowed(readConfig(env).controls, { platform: 'slack', workspaceId: 'T1', channelId: 'D1', isDm: true });
    expect(slackDm({ ALLOWED_SLACK_WORKSPACES: 'T1' })).toBe(true);
    expect(slackDm({ ALLOWED_SLACK_WORKSPACES: 'T2' })).toBe(false);
  });

  it('accepts every registered platform, and no other, in platform-qualified ids', () => {
    const admins = ADAPTERS.map((a) => `${a.platform}:someone`).join(',');
    expect(readConfig({ XIAOLIU_ADMINS: admins }).controls.admins).toHaveLength(ADAPTERS.length);
    expect(() => readConfig({ XIAOLIU_ADMINS: 'irc:someone' })).toThrow(/XIAOLIU_ADMINS must be a comma-separated list/);
  });
});
