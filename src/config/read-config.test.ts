import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../domain/errors.js';
import { requireSigningSecret } from '../../adapters/slack/slack-config.js';
import { DEFAULT_CLAUDE_MODEL, readConfig, requireModelAccess } from './read-config.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('readConfig', () => {
  it('gives working local defaults', () => {
    const config = readConfig({ ANTHROPIC_API_KEY: 'k' });
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/xiaoliu');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.http.port).toBe(3000);
    expect(config.anthropic.model).toBe(DEFAULT_CLAUDE_MODEL);
    expect(config.worker.concurrency).toBeGreaterThan(1);
    expect(config.logLevel).toBe('info');
  });

  it('defaults to a current, non-deprecated Sonnet from the installed SDK', () => {
    // The SDK's own deprecation table, read by path because its package exports do not expose it.
    const require = createRequire(import.meta.url);
    const sdkRoot = dirname(require.resolve('@anthropic-ai/sdk'));
    const { DEPRECATED_MODELS } = require(join(sdkRoot, 'internal/data/deprecated-models.js')) as {
      DEPRECATED_MODELS: Record<string, string>;
    };
    expect(DEFAULT_CLAUDE_MODEL).toMatch(/sonnet/);
    expect(Object.keys(DEPRECATED_MODELS)).not.toContain(DEFAULT_CLAUDE_MODEL);
  });

  it.each([
    ['PORT', 'eighty', /PORT must be a whole number from 0 to 65535/],
    ['PORT', '70000', /PORT must be a whole number/],
    ['WORKER_CONCURRENCY', '0', /WORKER_CONCURRENCY must be a whole number from 1/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a URL starting with postgres:/],
    ['REDIS_URL', 'not a url', /REDIS_URL must be a URL/],
    ['ANTHROPIC_BASE_URL', 'ftp://x', /ANTHROPIC_BASE_URL must be a URL starting with http:/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error/],
    ['CLAUDE_MODEL', 'Claude Sonnet', /CLAUDE_MODEL must be a model id/],
  ])('names %s when it is %j', (name, value, message) => {
    const error = errorOf(() => readConfig({ ANTHROPIC_API_KEY: 'k', [name]: value }));
    expect(error.variable).toBe(name);
    expect(error.message).toMatch(message);
  });

  it('serves /metrics and /ready on a port of their own, on the loopback unless METRICS_HOST says otherwise', () => {
    expect(readConfig({}).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(readConfig({ METRICS_HOST: '0.0.0.0', METRICS_PORT: '9100' }).metrics).toEqual({ host: '0.0.0.0', port: 9100 });
    const error = errorOf(() => readConfig({ PORT: '8080', METRICS_PORT: '8080' }));
    expect(error.variable).toBe('METRICS_PORT');
    expect(error.message).toMatch(/METRICS_PORT must differ from PORT/);
    // Both 0 (tests) picks two free ports.
    expect(readConfig({ PORT: '0', METRICS_PORT: '0' }).metrics.port).toBe(0);
  });

  it.each([
    ['ANTHROPIC_API_KEY', 'CHANGE-ME'],
    ['ANTHROPIC_API_KEY', 'your-key-CHANGEME'],
    ['SLACK_BOT_TOKEN', 'xoxb-CHANGE-ME'],
    ['SLACK_BOT_TOKEN', 'xoxb-...'],
    ['SLACK_SIGNING_SECRET', 'change_me'],
    ['SLACK_APP_TOKEN', 'xapp-REPLACE-ME'],
    ['DISCORD_TOKEN', 'CHANGE-ME.CHANGE-ME.CHANGE-ME'],
    ['DISCORD_TOKEN', '<your bot token>'],
    ['DATABASE_URL', 'postgres://xiaoliu:CHANGE-ME@postgres:5432/xiaoliu'],
    // The Postgres password docker-compose.yml shipped as its default.
    ['DATABASE_URL', 'postgres://xiaoliu:xiaoliu@postgres:5432/xiaoliu'],
    ['REDIS_URL', 'redis://:CHANGE-ME@redis:6379'],
    ['REDIS_URL', 'redis://xiaoliu:change-me@redis:6379'],
  ])('refuses to start with %s holding a placeholder (%j), naming the variable and never the value', (name, value) => {
    const error = errorOf(() => readConfig({ SLACK_SIGNING_SECRET: 's', [name]: value }));
    expect(error.variable).toBe(name);
    expect(error.message).toMatch(new RegExp(`^${name} .*placeholder`));
    expect(error.message).not.toContain(value);
  });

  it('accepts real secrets and connection strings without a password', () => {
    const config = readConfig({
      ANTHROPIC_API_KEY: 'k-3f9a1c0e',
      DATABASE_URL: 'postgres://xiaoliu:9c1e5b7d2a@postgres:5432/xiaoliu',
      REDIS_URL: 'redis://xiaoliu:4e8a0f3b6c@redis:6379',
      DISCORD_TOKEN: 'MTIz.abc-DEF.x_y',
    });
    expect(config.redisUrl).toBe('redis://xiaoliu:4e8a0f3b6c@redis:6379');
    expect(readConfig({}).databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/xiaoliu');
  });

  it('asks for ANTHROPIC_API_KEY only where the model is called, and names the way to go offline', () => {
    const config = readConfig({});
    const error = errorOf(() => requireModelAccess(config));
    expect(error.variable).toBe('ANTHROPIC_API_KEY');
    expect(error.message).toMatch(/ANTHROPIC_BASE_URL/);
    expect(() => requireModelAccess(readConfig({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:4010' }))).not.toThrow();
  });

  it('turns Slack on with SLACK_BOT_TOKEN and names what else it needs', () => {
    expect(readConfig({ ANTHROPIC_API_KEY: 'k' }).platforms.slack).toBeUndefined();
    const slack = readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: 'http://127.0.0.1:9/api' }).platforms.slack;
    expect(slack).toMatchObject({ apiUrl: 'http://127.0.0.1:9/api/', slashCommand: '/xiaoliu', replyMode: 'threads', appToken: undefined });
    // A worker posts with the bot token alone; the gateway, which verifies Slack's requests, needs the secret.
    const workerOnly = readConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }).platforms.slack!;
    expect(errorOf(() => requireSigningSecret(workerOnly)).message).toBe(
      'SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set (Basic Information page of your Slack app), unless SLACK_APP_TOKEN selects Socket Mode',
    );
    expect(readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A' }).platforms.slack?.appToken).toBe('xapp-1-A');
    expect(errorOf(() => readConfig({ SLACK_BOT_TOKEN: 'xoxp-user' })).variable).toBe('SLACK_BOT_TOKEN');
    expect(errorOf(() => readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_SLASH_COMMAND: 'xiaoliu' })).variable).toBe('SLACK_SLASH_COMMAND');
  });

  it('turns Discord on with DISCORD_TOKEN, with defaults that stay inside its limits', () => {
    expect(readConfig({}).platforms.discord).toBeUndefined();
    const discord = readConfig({ DISCORD_TOKEN: 'MTIz.abc-DEF.x_y' }).platforms.discord;
    expect(discord).toEqual({
      token: 'MTIz.abc-DEF.x_y',
      apiUrl: 'https://discord.com/api',
      applicationId: undefined,
      replyMode: 'threads',
      editIntervalMs: 1200,
      commandGuildId: undefined,
    });
    const custom = readConfig({
      DISCORD_TOKEN: 'a.b.c',
      DISCORD_API_URL: 'http://127.0.0.1:9/api/',
      DISCORD_APPLICATION_ID: '140000000000000000',
      DISCORD_REPLY_MODE: 'mentions',
      DISCORD_EDIT_INTERVAL_MS: '2000',
      DISCORD_COMMAND_GUILD_ID: '150000000000000001',
    }).platforms.discord;
    expect(custom).toMatchObject({
      apiUrl: 'http://127.0.0.1:9/api',
      applicationId: '140000000000000000',
      replyMode: 'mentions',
      editIntervalMs: 2000,
      commandGuildId: '150000000000000001',
    });
  });

  it.each([
    ['DISCORD_TOKEN', 'Bot a.b.c'],
    ['DISCORD_TOKEN', 'only-one-part'],
    ['DISCORD_API_URL', 'discord.com/api'],
    ['DISCORD_APPLICATION_ID', 'my-app'],
    ['DISCORD_REPLY_MODE', 'always'],
    ['DISCORD_EDIT_INTERVAL_MS', '10'],
    ['DISCORD_COMMAND_GUILD_ID', '12'],
  ])('names %s when it is %j', (name, value) => {
    const error = errorOf(() => readConfig({ DISCORD_TOKEN: 'a.b.c', [name]: value }));
    expect(error.variable).toBe(name);
  });

  it('does not repeat a malformed DISCORD_TOKEN in its error', () => {
    const error = errorOf(() => readConfig({ DISCORD_TOKEN: 'Bot super-secret-discord-token' }));
    expect(error.message).not.toContain('super-secret');
  });

  it('reads team controls: admins, allow-lists, daily limits in money or tokens, per-minute limits', () => {
    const { controls } = readConfig({
      XIAOLIU_ADMINS: 'slack:U0123, discord:80351110224678912',
      ALLOWED_CHANNELS: 'slack:C1,discord:80351110224678913',
      LIMIT_USER_DAILY: '$2.50',
      LIMIT_CHANNEL_DAILY: '200k tokens',
      LIMIT_WORKSPACE_DAILY: '100usd, 1m tokens',
      LIMIT_USER_PER_MINUTE: '10',
    });
    expect(controls.admins).toEqual(['slack:U0123', 'discord:80351110224678912']);
    expect(controls.channels).toEqual(['slack:C1', 'discord:80351110224678913']);
    expect(controls.workspaces.slack).toBeUndefined();
    expect(controls.exempt).toEqual(['shell', 'http']);
    expect(controls.limits).toEqual({
      userDaily: { usd: 2.5 },
      channelDaily: { tokens: 200_000 },
      workspaceDaily: { usd: 100, tokens: 1_000_000 },
      userPerMinute: 10,
      channelPerMinute: undefined,
      workspacePerMinute: undefined,
    });
  });

  it.each([
    ['XIAOLIU_ADMINS', 'U0123', /platform-qualified/],
    ['ALLOWED_DISCORD_GUILDS', 'general', /Discord guild ids/],
    ['LIMIT_USER_DAILY', 'five dollars', /"5usd", "200k tokens"/],
    ['PARALLEL_CONFIRM_USD', 'lots', /US dollars/],
  ])('names %s when it is malformed', (variable, value, message) => {
    const error = errorOf(() => readConfig({ [variable]: value }));
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
  });

  it('never echoes a secret in its errors', () => {
    const error = errorOf(() => readConfig({ ANTHROPIC_API_KEY: 'sk-ant secret with spaces' }));
    expect(error.message).not.toContain('secret');
  });
});
