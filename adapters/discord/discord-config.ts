import { bool, int, list, oneOf, pattern, url, type Env } from '../../src/config/env-readers.js';
import { ConfigError } from '../../src/domain/errors.js';
import type { ReplyMode } from '../../src/ingress/ingress.js';

export interface DiscordConfig {
  /** Secret: the bot token (Bot page of the Discord application), for the gateway and REST. */
  token: string;
  /** REST base URL without a trailing '/', e.g. https://discord.com/api; the gateway URL is discovered through it. */
  apiUrl: string;
  /** The application's id, for command registration; undefined: asked of Discord (GET /applications/@me). */
  applicationId: string | undefined;
  /** Whether follow-ups in a thread Xiaoliu is part of need a new @mention ('mentions') or not ('threads'). */
  replyMode: ReplyMode;
  /** Least time between two edits of a streaming message (Discord allows about 5 edits per 5 s per channel). */
  editIntervalMs: number;
  /** Register slash commands in this guild only (instant, for testing) instead of globally. */
  commandGuildId: string | undefined;
}

/** The Discord adapter's settings; undefined (Discord off) when DISCORD_TOKEN is not set. */
export function readDiscordConfig(env: Env): DiscordConfig | undefined {
  const token = env.DISCORD_TOKEN?.trim();
  if (!token) return undefined;
  // Bot tokens are three base64url parts joined by dots. The message never repeats the value: it is a secret.
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
    throw new ConfigError(
      'DISCORD_TOKEN',
      'DISCORD_TOKEN must be a bot token: three parts separated by dots, without "Bot " in front (Bot page of your Discord application, Reset Token)',
    );
  }
  return {
    token,
    apiUrl: url(env, 'DISCORD_API_URL', 'https://discord.com/api', ['http:', 'https:']).replace(/\/+$/, ''),
    applicationId: optionalSnowflake(env, 'DISCORD_APPLICATION_ID'),
    replyMode: oneOf(env, 'DISCORD_REPLY_MODE', 'threads', ['threads', 'mentions'] as const),
    editIntervalMs: int(env, 'DISCORD_EDIT_INTERVAL_MS', 1200, 100, 60_000),
    commandGuildId: optionalSnowflake(env, 'DISCORD_COMMAND_GUILD_ID'),
  };
}

/**
 * ALLOWED_DISCORD_GUILDS: the servers Xiaoliu answers in; undefined: all. It never admits DMs, which belong to no
 * server: ALLOWED_DISCORD_DMS does (readDiscordDms). Read even while Discord is off.
 */
export function readDiscordGuilds(env: Env): string[] | undefined {
  return list(env, 'ALLOWED_DISCORD_GUILDS', /^\d{17,20}$/, 'Discord guild ids (17 to 20 digits)');
}

/**
 * ALLOWED_DISCORD_DMS: whether DMs with the bot are answered. Anyone who shares any server with the bot can DM it,
 * a server not on ALLOWED_DISCORD_GUILDS included, and no allow-list can name a DM: so unset, DMs are answered only
 * while no allow-list applies to Discord (neither ALLOWED_DISCORD_GUILDS nor ALLOWED_CHANNELS is set; decided in
 * src/config/read-config.ts). Undefined when unset.
 */
export function readDiscordDms(env: Env): boolean | undefined {
  return env.ALLOWED_DISCORD_DMS?.trim() ? bool(env, 'ALLOWED_DISCORD_DMS', false) : undefined;
}

/** A Discord id (snowflake), e.g. a guild's: Developer Mode in Discord's settings, then right-click → Copy ID. */
function optionalSnowflake(env: Env, name: string): string | undefined {
  return pattern(env, name, '', /^\d{17,20}$/, 'a Discord id (17 to 20 digits)') || undefined;
}
