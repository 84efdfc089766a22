import type { PriceOverrides } from '../claude/price-table.js';
import { ConfigError } from '../domain/errors.js';
import { checkDefaultModel, readPrices } from './read-prices.js';

/** The model Xiaoliu uses when CLAUDE_MODEL is not set: the current Sonnet in the installed SDK's model list. */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-5-5';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every setting Xiaoliu reads, validated once at start-up. Nothing else reads process.env. */
export interface Config {
  /** Postgres connection string; the database is created if missing. */
  databaseUrl: string;
  /** Redis connection string (queues, ordering, shell pub/sub). */
  redisUrl: string;
  /** Whether each process applies pending migrations at start-up (off where a migrate job does it). */
  migrateOnStart: boolean;
  /** Prefix of every Redis key Xiaoliu writes, so several deployments or tests can share one Redis. */
  queuePrefix: string;
  anthropic: {
    /** Secret. Never logged: the logger redacts `anthropic.apiKey`. */
    apiKey: string;
    /** Where the Messages API lives; undefined means Anthropic's own. */
    baseUrl: string | undefined;
    model: string;
    /** CLAUDE_PRICES: the operator's own prices by model id, ahead of the built-in list. */
    prices: PriceOverrides;
    maxTokens: number;
    /** Attempts per answer, counting the first, for 429/529/5xx and streams cut off mid-answer. */
    maxAttempts: number;
    /** Request timeout of one model call, in milliseconds. */
    timeoutMs: number;
    /** Longest silence inside a streaming answer before the attempt is abandoned and retried, in milliseconds. */
    idleTimeoutMs: number;
  };
  /** Persona and rules given to the model as the system prompt. */
  systemPrompt: string;
  /** Most estimated tokens of earlier messages sent with each question; the oldest are dropped first. */
  historyTokenBudget: number;
  /** Messages and HTTP API files older than this many days are deleted by an hourly job; 0 keeps them forever. */
  retentionDays: number;
  /** `npm run backup`: where the dumps go and how many of them are kept. */
  backup: { dir: string; keep: number };
  worker: {
    /** Jobs one worker process runs at once; model calls are I/O-bound, so this is high. */
    concurrency: number;
    /** Attempts per job for failures that are not the model's (database, platform, network). */
    jobAttempts: number;
    /** How long SIGTERM waits for in-flight answers before handing them back to the queue. */
    shutdownTimeoutMs: number;
    /**
     * A job's lock, renewed every half of it while the job runs; a crashed worker's jobs are taken up by another
     * between one and two of these after the crash (the stalled-job check runs this often too).
     */
    lockMs: number;
  };
  http: { host: string; port: number };
  logLevel: LogLevel;
  shell: {
    /** Least time between two screen updates while an answer streams in the terminal. */
    editIntervalMs: number;
  };
  /** The Slack adapter; undefined when SLACK_BOT_TOKEN is not set. */
  slack: SlackConfig | undefined;
  /** The Discord adapter; undefined when DISCORD_TOKEN is not set. */
  discord: DiscordConfig | undefined;
  /** The HTTP chat API (/v1/…) and web console on the gateway's server. */
  httpApi: HttpApiConfig;
  /** Who may use Xiaoliu, who administers it, and what it may spend. */
  controls: ControlsConfig;
  /** The `analyze` skill: the largest attached file it downloads, in bytes. */
  analyze: { maxFileBytes: number };
  /** The `parallel` skill: how finely it may split a task, and how many sub-tasks one worker process runs at once. */
  parallel: { maxSubtasks: number; concurrency: number };
}

export interface HttpApiConfig {
  /** Serve /v1/… on the gateway (requests still need an API key). */
  enabled: boolean;
  /** Serve the web console at / (it holds no secret: the key is typed into the browser). */
  console: boolean;
  /** Origins allowed to call the API from a browser; empty: no CORS headers at all. '*' allows any. */
  corsOrigins: string[];
  /** Largest request body, in bytes; larger is refused with 413 before it is read. */
  maxBodyBytes: number;
  /** Longest message, in characters. */
  maxMessageChars: number;
  /** Requests per key per minute; more get 429 with Retry-After. */
  rateLimitPerMinute: number;
  /** Largest file an answer may attach (kept in Postgres). */
  maxFileBytes: number;
}

export interface SlackConfig {
  /** Secret: the bot token (xoxb-…) for the Web API. */
  botToken: string;
  /** Secret: verifies that HTTP requests come from Slack. Needed in HTTP mode. */
  signingSecret: string | undefined;
  /** Secret: the app-level token (xapp-…); when set, Socket Mode is used instead of HTTP. */
  appToken: string | undefined;
  /** Web API base URL, ending in '/'; moved for proxies and tests. */
  apiUrl: string;
  /** The slash command Xiaoliu answers to, e.g. '/xiaoliu'. */
  slashCommand: string;
  /** Whether follow-ups in a thread Xiaoliu is part of need a new @mention ('mentions') or not ('threads'). */
  replyMode: 'threads' | 'mentions';
  /** Least time between two edits of a streaming message (chat.update is tier 3: 50+ a minute per workspace). */
  editIntervalMs: number;
  /**
   * Stream answers with chat.startStream/appendStream/stopStream instead of editing a message, in DM threads and the
   * assistant panel (a channel stream is live only for its recipient, so channels always get edits).
   */
  nativeStreaming: boolean;
  /**
   * How Slack limits the app's reads of threads and channels (conversations.replies/history): 'internal' and
   * 'marketplace' apps get Tier 3; 'non-marketplace' (commercially distributed outside the Marketplace) 1 call a
   * minute and 15 messages a call.
   */
  appClass: 'internal' | 'marketplace' | 'non-marketplace';
  /**
   * For tests only: multiplies every Slack rate-limit window the workers pace by (1 = Slack's own), so a test against
   * a fake Slack shrunk alike runs in seconds. Below 1 against the real Slack only draws 429s.
   */
  rateTimeScale: number;
}

export interface DiscordConfig {
  /** Secret: the bot token (Bot page of the Discord application), for the gateway and REST. */
  token: string;
  /** REST base URL without a trailing '/', e.g. https://discord.com/api; the gateway URL is discovered through it. */
  apiUrl: string;
  /** The application's id, for command registration; undefined: asked of Discord (GET /applications/@me). */
  applicationId: string | undefined;
  /** Whether follow-ups in a thread Xiaoliu is part of need a new @mention ('mentions') or not ('threads'). */
  replyMode: 'threads' | 'mentions';
  /** Least time between two edits of a streaming message (Discord allows about 5 edits per 5 s per channel). */
  editIntervalMs: number;
  /** Register slash commands in this guild only (instant, for testing) instead of globally. */
  commandGuildId: string | undefined;
}

export const DEFAULT_SYSTEM_PROMPT = [
  'You are Xiaoliu (小柳), a helpful assistant that lives in a team chat.',
  'Several people may talk in one thread; each user message starts with the speaker\'s name in square brackets.',
  'Answer the latest message, in the language it was written in, concisely and in Markdown.',
].join(' ');

/** A daily allowance: in US dollars, in tokens (input, output and cache, all counted), or both. */
export interface DailyLimit {
  usd?: number;
  tokens?: number;
}

export interface ControlsConfig {
  /** The first admins, platform-qualified ("slack:U0123", "discord:80351110224678912", "shell:ann"). */
  admins: string[];
  /** Slack workspaces (team ids) Xiaoliu answers in; undefined: all. */
  slackWorkspaces: string[] | undefined;
  /** Discord guilds Xiaoliu answers in; undefined: all. DMs are allowed only when ALLOWED_CHANNELS lists them. */
  discordGuilds: string[] | undefined;
  /** Channels Xiaoliu answers in, platform-qualified ("slack:C0123"); undefined: all in the allowed workspaces. */
  channels: string[] | undefined;
  limits: {
    userDaily: DailyLimit | undefined;
    channelDaily: DailyLimit | undefined;
    workspaceDaily: DailyLimit | undefined;
    /** Requests (messages that reach the model) per rolling minute; undefined: no limit. */
    userPerMinute: number | undefined;
    channelPerMinute: number | undefined;
    workspacePerMinute: number | undefined;
  };
  /** A `parallel` run estimated to cost more than this (US dollars) asks for confirmation first. */
  parallelConfirmUsd: number;
}

type Env = Record<string, string | undefined>;

/** Reads and validates the configuration; throws a ConfigError naming the first bad variable. */
export function readConfig(env: Env = process.env): Config {
  const baseUrl = optionalUrl(env, 'ANTHROPIC_BASE_URL', ['http:', 'https:']);
  const prices = readPrices(env.CLAUDE_PRICES);
  const model = pattern(env, 'CLAUDE_MODEL', DEFAULT_CLAUDE_MODEL, /^[a-z0-9][a-z0-9.@:_-]{2,100}$/, 'a model id such as claude-sonnet-5-5');
  return {
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/xiaoliu', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    migrateOnStart: bool(env, 'MIGRATE_ON_START', true),
    queuePrefix: pattern(env, 'QUEUE_PREFIX', 'xiaoliu', /^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, - or _'),
    anthropic: {
      apiKey: apiKey(env, baseUrl),
      baseUrl,
      model: checkDefaultModel(model, prices),
      prices,
      maxTokens: int(env, 'CLAUDE_MAX_TOKENS', 4096, 1, 128_000),
      maxAttempts: int(env, 'CLAUDE_MAX_ATTEMPTS', 4, 1, 10),
      timeoutMs: int(env, 'CLAUDE_TIMEOUT_MS', 600_000, 1000, 3_600_000),
      idleTimeoutMs: int(env, 'CLAUDE_IDLE_TIMEOUT_MS', 60_000, 100, 3_600_000),
    },
    systemPrompt: env.SYSTEM_PROMPT?.trim() || DEFAULT_SYSTEM_PROMPT,
    historyTokenBudget: int(env, 'HISTORY_TOKEN_BUDGET', 60_000, 500, 1_000_000),
    retentionDays: int(env, 'RETENTION_DAYS', 90, 0, 36_500),
    backup: { dir: env.BACKUP_DIR?.trim() || './backups', keep: int(env, 'BACKUP_KEEP', 14, 1, 10_000) },
    worker: {
      concurrency: int(env, 'WORKER_CONCURRENCY', 50, 1, 5000),
      jobAttempts: int(env, 'JOB_ATTEMPTS', 5, 1, 50),
      shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 0, 3_600_000),
      lockMs: int(env, 'WORKER_LOCK_MS', 30_000, 1000, 600_000),
    },
    http: {
      host: env.HOST?.trim() || '0.0.0.0',
      port: int(env, 'PORT', 3000, 0, 65_535),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    shell: { editIntervalMs: int(env, 'SHELL_EDIT_INTERVAL_MS', 100, 0, 60_000) },
    slack: readSlackConfig(env),
    discord: readDiscordConfig(env),
    controls: readControlsConfig(env),
    parallel: {
      maxSubtasks: int(env, 'PARALLEL_MAX_SUBTASKS', 6, 1, 20),
      concurrency: int(env, 'PARALLEL_CONCURRENCY', 4, 1, 100),
    },
    analyze: { maxFileBytes: int(env, 'ANALYZE_MAX_FILE_BYTES', 204_800, 1024, 10_485_760) },
    httpApi: {
      enabled: bool(env, 'HTTP_API', true),
      console: bool(env, 'HTTP_CONSOLE', true),
      corsOrigins: (env.HTTP_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
      maxBodyBytes: int(env, 'HTTP_MAX_BODY_BYTES', 65_536, 256, 10_485_760),
      maxMessageChars: int(env, 'HTTP_MAX_MESSAGE_CHARS', 8000, 1, 1_000_000),
      rateLimitPerMinute: int(env, 'HTTP_RATE_LIMIT_PER_MINUTE', 30, 1, 100_000),
      maxFileBytes: int(env, 'HTTP_MAX_FILE_BYTES', 5_242_880, 1024, 104_857_600),
    },
  };
}

function readSlackConfig(env: Env): SlackConfig | undefined {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  if (!botToken) return undefined;
  if (!botToken.startsWith('xoxb-')) {
    throw new ConfigError('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)');
  }
  const appToken = env.SLACK_APP_TOKEN?.trim() || undefined;
  if (appToken && !appToken.startsWith('xapp-')) {
    throw new ConfigError('SLACK_APP_TOKEN', 'SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information page, with connections:write)');
  }
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim() || undefined;
  if (!signingSecret && !appToken) {
    throw new ConfigError(
      'SLACK_SIGNING_SECRET',
      'SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set (Basic Information page of your Slack app), unless SLACK_APP_TOKEN selects Socket Mode',
    );
  }
  let apiUrl = url(env, 'SLACK_API_URL', 'https://slack.com/api/', ['http:', 'https:']);
  if (!apiUrl.endsWith('/')) apiUrl += '/';
  return {
    botToken,
    signingSecret,
    appToken,
    apiUrl,
    slashCommand: pattern(env, 'SLACK_SLASH_COMMAND', '/xiaoliu', /^\/[a-z0-9_-]{1,31}$/, 'a slash command such as /xiaoliu'),
    replyMode: oneOf(env, 'SLACK_REPLY_MODE', 'threads', ['threads', 'mentions'] as const),
    editIntervalMs: int(env, 'SLACK_EDIT_INTERVAL_MS', 1200, 100, 60_000),
    nativeStreaming: bool(env, 'SLACK_NATIVE_STREAMING', true),
    appClass: oneOf(env, 'SLACK_APP_CLASS', 'internal', ['internal', 'marketplace', 'non-marketplace'] as const),
    rateTimeScale: fraction(env, 'SLACK_RATE_TIME_SCALE', 1),
  };
}

function readDiscordConfig(env: Env): DiscordConfig | undefined {
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

/** Which settings a role needs that others do not: a gateway never calls the model, so it needs no key. */
export function requireModelAccess(config: Config): void {
  if (!config.anthropic.apiKey) {
    throw new ConfigError(
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_API_KEY is required: set it to your Anthropic API key, ' +
        'or set ANTHROPIC_BASE_URL to a compatible server (try `npm run fake:anthropic`)',
    );
  }
}

function readControlsConfig(env: Env): ControlsConfig {
  return {
    admins: list(env, 'XIAOLIU_ADMINS', QUALIFIED_ID, 'platform-qualified user ids such as slack:U0123 or discord:80351110224678912') ?? [],
    slackWorkspaces: list(env, 'ALLOWED_SLACK_WORKSPACES', /^[A-Z0-9]+$/, 'Slack team ids such as T0123ABCD'),
    discordGuilds: list(env, 'ALLOWED_DISCORD_GUILDS', /^\d{17,20}$/, 'Discord guild ids (17 to 20 digits)'),
    channels: list(env, 'ALLOWED_CHANNELS', QUALIFIED_ID, 'platform-qualified channel ids such as slack:C0123 or discord:80351110224678912'),
    limits: {
      userDaily: dailyLimit(env, 'LIMIT_USER_DAILY'),
      channelDaily: dailyLimit(env, 'LIMIT_CHANNEL_DAILY'),
      workspaceDaily: dailyLimit(env, 'LIMIT_WORKSPACE_DAILY'),
      userPerMinute: int(env, 'LIMIT_USER_PER_MINUTE', 0, 0, 100_000) || undefined,
      channelPerMinute: int(env, 'LIMIT_CHANNEL_PER_MINUTE', 0, 0, 100_000) || undefined,
      workspacePerMinute: int(env, 'LIMIT_WORKSPACE_PER_MINUTE', 0, 0, 1_000_000) || undefined,
    },
    parallelConfirmUsd: money(env, 'PARALLEL_CONFIRM_USD', 0.5),
  };
}

const QUALIFIED_ID = /^(slack|discord|shell|http):[^\s,]+$/;

/** A comma-separated list; undefined when the variable is unset or empty, so "no list" differs from "nobody". */
function list(env: Env, name: string, item: RegExp, what: string): string[] | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const items = raw.split(',').map((i) => i.trim()).filter(Boolean);
  const bad = items.find((i) => !item.test(i));
  if (bad !== undefined) throw new ConfigError(name, `${name} must be a comma-separated list of ${what} (got "${bad}")`);
  return items;
}

/** "5usd", "$5", "2.50 usd", "200000 tokens", "200k tokens", or both joined by a comma: "$5, 1m tokens". */
function dailyLimit(env: Env, name: string): DailyLimit | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  const limit: DailyLimit = {};
  for (const part of raw.split(',').map((p) => p.trim())) {
    const usd = /^\$?(\d+(?:\.\d+)?)\s*(?:usd|\$)?$/.exec(part);
    const tokens = /^(\d+(?:\.\d+)?)\s*([km]?)\s*tokens?$/.exec(part);
    if (tokens) limit.tokens = Math.round(Number(tokens[1]) * (tokens[2] === 'k' ? 1e3 : tokens[2] === 'm' ? 1e6 : 1));
    else if (usd && (part.includes('$') || part.includes('usd'))) limit.usd = Number(usd[1]);
    else throw new ConfigError(name, `${name} must be an amount such as "5usd", "200k tokens" or "$5, 200k tokens" (got "${part}")`);
  }
  return limit;
}

function money(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim().replace(/^\$/, '');
  if (!raw) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `${name} must be an amount in US dollars such as 0.50 (got "${raw}")`);
  return Number(raw);
}

function apiKey(env: Env, baseUrl: string | undefined): string {
  const key = env.ANTHROPIC_API_KEY?.trim() ?? '';
  if (/\s/.test(key)) throw new ConfigError('ANTHROPIC_API_KEY', 'ANTHROPIC_API_KEY must be one token without spaces');
  // A compatible server (a proxy or the fake) may not check keys; send a placeholder so the SDK has one.
  if (!key && baseUrl) return 'no-key-set';
  return key;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** A number above 0 and at most 1. */
function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(raw) || !(value > 0 && value <= 1)) {
    throw new ConfigError(name, `${name} must be a number above 0 and at most 1 (got "${raw}")`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `${name} must be true or false (got "${raw}")`);
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  return optionalUrl(env, name, protocols) ?? fallback;
}

function optionalUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `${name} must be a URL starting with ${protocols.join(' or ')}//`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `${name} must be a URL starting with ${protocols.join(' or ')}// (got ${parsed.protocol}//)`);
  }
  return raw;
}

function pattern(env: Env, name: string, fallback: string, re: RegExp, what: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!re.test(raw)) throw new ConfigError(name, `${name} must be ${what} (got "${raw}")`);
  return raw;
}

/** A Discord id (snowflake), e.g. a guild's: Developer Mode in Discord's settings, then right-click → Copy ID. */
function optionalSnowflake(env: Env, name: string): string | undefined {
  return pattern(env, name, '', /^\d{17,20}$/, 'a Discord id (17 to 20 digits)') || undefined;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}
