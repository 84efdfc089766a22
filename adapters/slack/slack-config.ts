import { bool, fraction, int, list, oneOf, pattern, url, type Env } from '../../src/config/env-readers.js';
import { ConfigError } from '../../src/domain/errors.js';
import type { ReplyMode } from '../../src/ingress/ingress.js';

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
  replyMode: ReplyMode;
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

/** The gateway's own requirement: Slack's HTTP requests are verified with the signing secret. */
export function requireSigningSecret(config: SlackConfig): void {
  if (!config.signingSecret && !config.appToken) {
    throw new ConfigError(
      'SLACK_SIGNING_SECRET',
      'SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set (Basic Information page of your Slack app), unless SLACK_APP_TOKEN selects Socket Mode',
    );
  }
}

/** The Slack adapter's settings; undefined (Slack off) when SLACK_BOT_TOKEN is not set. */
export function readSlackConfig(env: Env): SlackConfig | undefined {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  if (!botToken) return undefined;
  if (!botToken.startsWith('xoxb-')) {
    throw new ConfigError('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)');
  }
  const appToken = env.SLACK_APP_TOKEN?.trim() || undefined;
  if (appToken && !appToken.startsWith('xapp-')) {
    throw new ConfigError('SLACK_APP_TOKEN', 'SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information page, with connections:write)');
  }
  // Required by the gateway in HTTP mode only (startSlackIngress checks it): workers post with the bot token alone,
  // so a deployment gives them no signing secret.
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim() || undefined;
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

/** ALLOWED_SLACK_WORKSPACES: the Slack teams Xiaoliu answers in; undefined: all. Read even while Slack is off. */
export function readSlackWorkspaces(env: Env): string[] | undefined {
  return list(env, 'ALLOWED_SLACK_WORKSPACES', /^[A-Z0-9]+$/, 'Slack team ids such as T0123ABCD');
}
