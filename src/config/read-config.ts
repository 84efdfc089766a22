import { readMcpConfig, type McpConfig } from './read-mcp.js';
import { ADAPTERS, type PlatformConfigs } from '../../adapters/registry.js';
import type { PriceOverrides } from '../claude/price-table.js';
import { ConfigError } from '../domain/errors.js';
import { bool, int, list, oneOf, optionalUrl, pattern, url, type Env } from './env-readers.js';
import { checkDefaultModel, readPrices } from './read-prices.js';
import { refusePlaceholderSecrets } from './refuse-placeholder-secrets.js';
import { readRedisSentinel, readReplicaWaitMs, type RedisSentinelConfig } from './read-redis-sentinel.js';

/** The model Xiaoliu uses when CLAUDE_MODEL is not set: the current Sonnet in the installed SDK's model list. */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-5-5';

/** The operator's port (/metrics, /ready): the Prometheus exporter port OpenTelemetry uses, free of the usual web ports. */
export const DEFAULT_METRICS_PORT = 9464;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every setting Xiaoliu reads, validated once at start-up. Nothing else reads process.env. */
export interface Config {
  /** Postgres connection string; the database is created if missing. */
  databaseUrl: string;
  /** Redis connection string (queues, ordering, shell pub/sub). */
  redisUrl: string;
  /**
   * REDIS_SENTINELS and REDIS_SENTINEL_NAME: every connection finds the primary through Sentinel and follows it across
   * failovers (REDIS_URL then gives only the user, password and database); undefined: Redis is at REDIS_URL's host.
   */
  redisSentinel: RedisSentinelConfig | undefined;
  /** How long the gateway waits for a replica to hold a queued message before acknowledging it anyway; 0: not at all. */
  redisReplicaWaitMs: number;
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
  /** Audit log entries older than this many days are deleted by the same job; 0 keeps them forever. */
  auditRetentionDays: number;
  /** `npm run backup`: where the dumps go and how many of them are kept. */
  backup: { dir: string; keep: number };
  worker: {
    /** The most jobs one worker process runs at once (model calls are I/O-bound); the load governor sets how many below it. */
    concurrency: number;
    /** Event-loop lag (p99 over a quarter second) past which a worker takes fewer answers at once. */
    maxLagMs: number;
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
  /** Schedules: the shortest gap allowed between two fires of one schedule (every fire is a model call). */
  schedules: { minIntervalSeconds: number };
  /** The public listener: /health and the routes adapters add (Slack's events, the HTTP API). */
  http: { host: string; port: number };
  /**
   * The operator's listener, apart from the public one: /metrics, /ready (which names what is down, and why) and
   * /health. On the loopback by default, so a server without nginx in front does not publish them.
   */
  metrics: { host: string; port: number };
  logLevel: LogLevel;
  /**
   * Each platform's settings, read by its adapter (adapters/<name>/<name>-config.ts); undefined where it is off
   * (Slack without SLACK_BOT_TOKEN, Discord without DISCORD_TOKEN, the HTTP API with HTTP_API=false).
   */
  platforms: PlatformConfigs;
  /** Who may use Xiaoliu, who administers it, and what it may spend. */
  controls: ControlsConfig;
  /** The `analyze` skill: the largest attached file it reads, in bytes. */
  analyze: { maxFileBytes: number };
  /** Attached files (images, PDFs, documents): the largest one downloaded, in bytes (ATTACHMENT_MAX_BYTES). */
  attachments: { maxBytes: number };
  /** The `parallel` skill: how finely it may split a task, and how many sub-tasks one worker process runs at once. */
  parallel: { maxSubtasks: number; concurrency: number };
  /** MCP servers and the tool loop (src/config/read-mcp.ts). */
  mcp: McpConfig;
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
  /**
   * The deployment's own operators (XIAOLIU_ADMINS), platform-qualified ("slack:U0123", "discord:80351110224678912",
   * "shell:ann"): admins in every workspace of their platform. Admins made in chat are admins of one workspace only.
   */
  admins: string[];
  /**
   * Per platform, the workspaces it answers in (ALLOWED_SLACK_WORKSPACES, ALLOWED_DISCORD_GUILDS); undefined or absent:
   * all. Read by each adapter's own reader.
   */
  workspaces: Record<string, string[] | undefined>;
  /** Channels Xiaoliu answers in, platform-qualified ("slack:C0123"); undefined: all in the allowed workspaces. */
  channels: string[] | undefined;
  /**
   * Per platform whose DMs belong to no workspace (Discord), whether DMs are answered: its own setting
   * (ALLOWED_DISCORD_DMS), else only while no allow-list applies to that platform. Absent: the platform's DMs are in a
   * workspace, and the lists decide.
   */
  dms: Record<string, boolean>;
  /**
   * Platforms the allow-lists do not apply to, because reaching Xiaoliu there already takes the operator's leave (the
   * terminal, the HTTP API's keys): each adapter says so itself, so the lists apply to any platform that does not.
   */
  exempt: string[];
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

/** Reads and validates the configuration; throws a ConfigError naming the first bad variable. */
export function readConfig(env: Env = process.env): Config {
  refusePlaceholderSecrets(env);
  const baseUrl = optionalUrl(env, 'ANTHROPIC_BASE_URL', ['http:', 'https:']);
  const prices = readPrices(env.CLAUDE_PRICES);
  const redisSentinel = readRedisSentinel(env);
  const model = pattern(env, 'CLAUDE_MODEL', DEFAULT_CLAUDE_MODEL, /^[a-z0-9][a-z0-9.@:_-]{2,100}$/, 'a model id such as claude-sonnet-5-5');
  return {
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/xiaoliu', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisSentinel,
    redisReplicaWaitMs: readReplicaWaitMs(env, redisSentinel),
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
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 365, 0, 36_500),
    backup: { dir: env.BACKUP_DIR?.trim() || './backups', keep: int(env, 'BACKUP_KEEP', 14, 1, 10_000) },
    worker: {
      concurrency: int(env, 'WORKER_CONCURRENCY', 1000, 1, 5000),
      maxLagMs: int(env, 'WORKER_MAX_LAG_MS', 50, 5, 10_000),
      jobAttempts: int(env, 'JOB_ATTEMPTS', 5, 1, 50),
      shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 0, 3_600_000),
      lockMs: int(env, 'WORKER_LOCK_MS', 30_000, 1000, 600_000),
    },
    http: {
      host: env.HOST?.trim() || '0.0.0.0',
      port: int(env, 'PORT', 3000, 0, 65_535),
    },
    metrics: metricsListener(env),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    platforms: Object.fromEntries(ADAPTERS.map((adapter) => [adapter.platform, adapter.readConfig(env)])) as PlatformConfigs,
    controls: readControlsConfig(env),
    parallel: {
      maxSubtasks: int(env, 'PARALLEL_MAX_SUBTASKS', 6, 1, 20),
      concurrency: int(env, 'PARALLEL_CONCURRENCY', 4, 1, 100),
    },
    analyze: { maxFileBytes: int(env, 'ANALYZE_MAX_FILE_BYTES', 204_800, 1024, 10_485_760) },
    schedules: { minIntervalSeconds: int(env, 'SCHEDULE_MIN_INTERVAL_SECONDS', 300, 1, 86_400) },
    attachments: { maxBytes: int(env, 'ATTACHMENT_MAX_BYTES', 20_971_520, 1024, 33_554_432) },
    mcp: readMcpConfig(env),
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
  // "<platform>:<id>", for any registered platform.
  const QUALIFIED_ID = new RegExp(`^(${ADAPTERS.map((adapter) => adapter.platform).join('|')}):[^\\s,]+$`);
  const workspaces = Object.fromEntries(ADAPTERS.map((adapter) => [adapter.platform, adapter.readAllowedWorkspaces?.(env)]));
  const channels = list(env, 'ALLOWED_CHANNELS', QUALIFIED_ID, 'platform-qualified channel ids such as slack:C0123 or discord:80351110224678912');
  // Unset, a platform's DMs are answered only while no list applies to it: anyone sharing any server can DM a bot.
  const noListApplies = (platform: string) => workspaces[platform] === undefined && channels === undefined;
  const dms = ADAPTERS.flatMap(({ platform, readAllowedDms }) => (readAllowedDms ? [[platform, readAllowedDms(env) ?? noListApplies(platform)]] : []));
  return {
    admins: list(env, 'XIAOLIU_ADMINS', QUALIFIED_ID, 'platform-qualified user ids such as slack:U0123 or discord:80351110224678912') ?? [],
    workspaces,
    channels,
    dms: Object.fromEntries(dms),
    exempt: ADAPTERS.filter((adapter) => adapter.ownAccessControl).map((adapter) => adapter.platform),
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

/** METRICS_HOST and METRICS_PORT: a listener of its own, never the public one. */
function metricsListener(env: Env): Config['metrics'] {
  const port = int(env, 'METRICS_PORT', DEFAULT_METRICS_PORT, 0, 65_535);
  if (port !== 0 && port === int(env, 'PORT', 3000, 0, 65_535)) {
    throw new ConfigError('METRICS_PORT', `METRICS_PORT must differ from PORT (both ${port}): /metrics and /ready are never served on the public port`);
  }
  return { host: env.METRICS_HOST?.trim() || '127.0.0.1', port };
}

function apiKey(env: Env, baseUrl: string | undefined): string {
  const key = env.ANTHROPIC_API_KEY?.trim() ?? '';
  if (/\s/.test(key)) throw new ConfigError('ANTHROPIC_API_KEY', 'ANTHROPIC_API_KEY must be one token without spaces');
  // A compatible server (a proxy or the fake) may not check keys; send a placeholder so the SDK has one.
  if (!key && baseUrl) return 'no-key-set';
  return key;
}

