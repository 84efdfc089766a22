import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readConfig } from '../src/config/read-config.js';
import { SHORTCUT } from '../adapters/slack/slack-interactions.js';

const manifest = parse(readFileSync('adapters/slack/manifest.yml', 'utf8')) as {
  features: { slash_commands: { command: string; url: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { request_url: string; bot_events: string[] } };
};
const ingress = readFileSync('adapters/slack/slack-ingress.ts', 'utf8');
const egress = readFileSync('adapters/slack/slack-egress.ts', 'utf8');

describe('the Slack app manifest', () => {
  it('subscribes to every event the ingress listens for', () => {
    const events = manifest.settings.event_subscriptions.bot_events;
    for (const [, name] of ingress.matchAll(/app\.event\('([a-z_]+)'/g)) {
      expect(events.some((e) => e === name || e.startsWith(`${name}.`)), name).toBe(true);
    }
  });

  it('grants a scope for every Web API method the adapter calls', () => {
    const scopes = manifest.oauth_config.scopes.bot;
    const needs: Record<string, string> = {
      'chat.postMessage': 'chat:write',
      'chat.update': 'chat:write',
      filesUploadV2: 'files:write',
      'conversations.replies': 'channels:history',
      'users.info': 'users:read',
      'conversations.info': 'channels:read',
    };
    for (const [call, scope] of Object.entries(needs)) {
      if ((ingress + egress + readFileSync('adapters/slack/user-names.ts', 'utf8') + readFileSync('adapters/slack/public-channels.ts', 'utf8')).includes(call)) expect(scopes, call).toContain(scope);
    }
    expect(scopes).toContain('commands');
  });

  it('turns on interactivity at /slack/events and lists every message shortcut the ingress listens for', () => {
    const m = manifest as unknown as { settings: { interactivity: { is_enabled: boolean; request_url: string } }; features: { shortcuts: { callback_id: string; type: string }[] } };
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    const listened = Object.values(SHORTCUT).sort();
    expect(m.features.shortcuts.map((s) => s.callback_id).sort()).toEqual(listened);
    expect(m.features.shortcuts.every((s) => s.type === 'message')).toBe(true);
  });

  it("points events and the slash command at the gateway's /slack/events, with the default command name", () => {
    expect(manifest.settings.event_subscriptions.request_url).toMatch(/\/slack\/events$/);
    const [command] = manifest.features.slash_commands;
    expect(command?.url).toMatch(/\/slack\/events$/);
    expect(command?.command).toBe(readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).platforms.slack?.slashCommand);
  });
});
