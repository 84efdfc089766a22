import { WebClient, LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { SlackConfig } from '../../../adapters/slack/slack-config.js';
import type { Config } from '../../config/read-config.js';
import { fail, hostOf, ok, reasonOf, skip, withDeadline, type DoctorLine } from './doctor-line.js';
import { manifestBotScopes } from './manifest-scopes.js';

const APPS_PAGE = 'https://api.slack.com/apps';

/**
 * Slack with the operator's tokens: the bot token works (auth.test), it holds every scope the manifest asks for (the
 * `x-oauth-scopes` header Slack sends with each answer, which @slack/web-api reads into `response_metadata.scopes`),
 * and the way Slack reaches Xiaoliu is set up: the app-level token opens a Socket Mode connection
 * (apps.connections.open), or, in HTTP mode, the signing secret is set.
 */
export async function checkSlack(config: Config, timeoutMs: number): Promise<DoctorLine[]> {
  const slack = config.platforms.slack;
  if (!slack) return [skip('Slack', 'not configured (SLACK_BOT_TOKEN is not set)')];
  const where = hostOf(slack.apiUrl);
  const bot = client(slack, slack.botToken, timeoutMs);
  let auth: Awaited<ReturnType<WebClient['auth']['test']>>;
  try {
    auth = await withDeadline(timeoutMs, () => bot.auth.test());
  } catch (error) {
    return [fail('Slack bot token', `auth.test at ${where} failed (${slackReason(error)}): ${tokenFix(error, 'SLACK_BOT_TOKEN', 'the Bot User OAuth Token (xoxb-…) on the OAuth & Permissions page')}`)];
  }
  const lines = [ok('Slack bot token', `works: @${auth.user ?? auth.user_id} in ${auth.team ?? auth.team_id} (${auth.team_id})`)];

  const wanted = await manifestBotScopes();
  const granted = auth.response_metadata?.scopes;
  if (!granted) {
    lines.push(fail('Slack scopes', `${where} did not say which scopes the token has (no x-oauth-scopes header): compare OAuth & Permissions with adapters/slack/manifest.yml`));
  } else {
    const missing = wanted.filter((scope) => !granted.includes(scope));
    lines.push(
      missing.length === 0
        ? ok('Slack scopes', `all ${wanted.length} the manifest asks for are granted`)
        : fail('Slack scopes', `the bot token lacks ${missing.join(', ')}: add them on OAuth & Permissions (or update the app from adapters/slack/manifest.yml), reinstall the app, and copy the new SLACK_BOT_TOKEN`),
    );
  }
  lines.push(await checkMode(slack, timeoutMs));
  return lines;
}

/** Socket Mode: the app-level token can open a connection. HTTP mode: the signing secret is there to check requests. */
async function checkMode(slack: SlackConfig, timeoutMs: number): Promise<DoctorLine> {
  if (!slack.appToken) {
    // Only a request from Slack can prove the secret right: send one by saving the Request URL in the app's settings.
    return ok('Slack HTTP mode', 'SLACK_SIGNING_SECRET is set; Slack must reach https://YOUR-HOST/slack/events (Event Subscriptions verifies it)');
  }
  try {
    await withDeadline(timeoutMs, () => client(slack, slack.appToken!, timeoutMs).apps.connections.open());
    return ok('Slack Socket Mode', 'the app-level token opens a connection (apps.connections.open)');
  } catch (error) {
    const fix = tokenFix(error, 'SLACK_APP_TOKEN', 'an app-level token (xapp-…) with connections:write from Basic Information, with Socket Mode turned on');
    return fail('Slack Socket Mode', `apps.connections.open failed (${slackReason(error)}): ${fix}`);
  }
}

function client(slack: SlackConfig, token: string, timeoutMs: number): WebClient {
  return new WebClient(token, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logger: QUIET,
  });
}

/** Slack's error code (`invalid_auth`…), an HTTP status, or the network's reason. */
function slackReason(error: unknown): string {
  const e = error as { data?: { error?: unknown }; statusCode?: unknown; original?: unknown };
  if (typeof e?.data?.error === 'string') return e.data.error;
  if (typeof e?.statusCode === 'number') return `HTTP ${e.statusCode}`;
  return reasonOf(e?.original ?? error);
}

function tokenFix(error: unknown, variable: string, what: string): string {
  const code = (error as { data?: { error?: unknown } })?.data?.error;
  const refused = ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type'];
  if (typeof code === 'string' && refused.includes(code)) return `set ${variable} to ${what} (${APPS_PAGE})`;
  return 'check SLACK_API_URL and the network';
}

const QUIET: SlackLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};
