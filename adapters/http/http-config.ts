import { bool, int, optionalUrl, type Env } from '../../src/config/env-readers.js';
import { ConfigError } from '../../src/domain/errors.js';

export interface HttpApiConfig {
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
  /**
   * Most bytes of files one request may upload, all together (ATTACHMENT_MAX_BYTES, the largest file read on every
   * platform), on top of HTTP_MAX_BODY_BYTES for the rest of the body.
   */
  maxUploadBytes: number;
  /** The admin console's sign-in (/admin); undefined: off, because no identity provider is configured. */
  admin: AdminConsoleConfig | undefined;
}

/** An OpenID Connect provider people sign in to the admin console with. */
export interface SignInProvider {
  /** `oidc`: the organisation's own; `slack`: Sign in with Slack, which also vouches for the Slack user and team. */
  id: 'oidc' | 'slack';
  /** The button's words: "Sign in with <label>". */
  label: string;
  issuerUrl: string;
  clientId: string;
  /** Secret: only the gateway needs it (requireSignInSecrets), so workers are not given it. */
  clientSecret: string;
}

export interface AdminConsoleConfig {
  /** Where people reach the console (its origin): the redirect URI is `<publicUrl>/admin/auth/callback`. */
  publicUrl: string;
  providers: SignInProvider[];
  /** How long a sign-in lasts. */
  sessionHours: number;
}

/**
 * The admin console is on once CONSOLE_PUBLIC_URL and at least one provider (OIDC_* or SLACK_OIDC_*) are set. An
 * issuer must be https, except on the loopback (a test's provider): tokens from it decide who is an admin.
 */
export function readAdminConsoleConfig(env: Env): AdminConsoleConfig | undefined {
  const publicUrl = optionalUrl(env, 'CONSOLE_PUBLIC_URL', ['http:', 'https:']);
  const providers: SignInProvider[] = [];
  const issuer = optionalUrl(env, 'OIDC_ISSUER_URL', ['http:', 'https:']);
  if (issuer || env.OIDC_CLIENT_ID) {
    providers.push({
      id: 'oidc',
      label: env.OIDC_NAME?.trim() || 'your organisation',
      issuerUrl: secureIssuer('OIDC_ISSUER_URL', issuer),
      clientId: required(env, 'OIDC_CLIENT_ID', 'OIDC_ISSUER_URL'),
      clientSecret: env.OIDC_CLIENT_SECRET?.trim() ?? '',
    });
  }
  if (env.SLACK_OIDC_CLIENT_ID) {
    providers.push({
      id: 'slack',
      label: 'Slack',
      issuerUrl: secureIssuer('SLACK_OIDC_ISSUER_URL', optionalUrl(env, 'SLACK_OIDC_ISSUER_URL', ['http:', 'https:']) ?? 'https://slack.com'),
      clientId: env.SLACK_OIDC_CLIENT_ID.trim(),
      clientSecret: env.SLACK_OIDC_CLIENT_SECRET?.trim() ?? '',
    });
  }
  const sessionHours = int(env, 'CONSOLE_SESSION_HOURS', 12, 1, 24 * 30);
  if (!providers.length) return undefined;
  if (!publicUrl) throw new ConfigError('CONSOLE_PUBLIC_URL', 'CONSOLE_PUBLIC_URL is required with a sign-in provider: the address people open the console at, e.g. https://xiaoliu.example.com');
  const origin = new URL(publicUrl);
  if (origin.protocol === 'http:' && !isLoopback(origin.hostname)) {
    throw new ConfigError('CONSOLE_PUBLIC_URL', `CONSOLE_PUBLIC_URL must be https (sessions ride on a Secure cookie); got ${origin.origin}`);
  }
  return { publicUrl: origin.origin, providers, sessionHours };
}

/**
 * The gateway's own requirement, checked as it mounts the console (as Slack's signing secret is): the client secrets.
 * Other roles read the same settings without them, so a worker need not hold the identity provider's secret.
 */
export function requireSignInSecrets(admin: AdminConsoleConfig): void {
  for (const provider of admin.providers) {
    if (provider.clientSecret) continue;
    const name = provider.id === 'slack' ? 'SLACK_OIDC_CLIENT_SECRET' : 'OIDC_CLIENT_SECRET';
    throw new ConfigError(name, `${name} is required on the gateway when ${provider.id === 'slack' ? 'SLACK_OIDC_CLIENT_ID' : 'OIDC_ISSUER_URL'} is set: the client secret the identity provider gave the console`);
  }
}

function required(env: Env, name: string, because: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, `${name} is required when ${because} is set`);
  return value;
}

function secureIssuer(name: string, value: string | undefined): string {
  if (!value) throw new ConfigError(name, `${name} is required: the identity provider's issuer URL, e.g. https://login.example.com`);
  const url = new URL(value);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) throw new ConfigError(name, `${name} must be https; got ${url.origin}`);
  return value.replace(/\/$/, '');
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/**
 * The HTTP chat API (/v1/…) and web console on the gateway's server; undefined (off) when HTTP_API is false. Its
 * other settings are checked either way, so a typo shows before the day the API is turned on.
 */
export function readHttpApiConfig(env: Env): HttpApiConfig | undefined {
  const config: HttpApiConfig = {
    console: bool(env, 'HTTP_CONSOLE', true),
    corsOrigins: (env.HTTP_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    maxBodyBytes: int(env, 'HTTP_MAX_BODY_BYTES', 65_536, 256, 10_485_760),
    maxMessageChars: int(env, 'HTTP_MAX_MESSAGE_CHARS', 8000, 1, 1_000_000),
    rateLimitPerMinute: int(env, 'HTTP_RATE_LIMIT_PER_MINUTE', 30, 1, 100_000),
    maxFileBytes: int(env, 'HTTP_MAX_FILE_BYTES', 5_242_880, 1024, 104_857_600),
    maxUploadBytes: int(env, 'ATTACHMENT_MAX_BYTES', 20_971_520, 1024, 33_554_432),
    admin: readAdminConsoleConfig(env),
  };
  return bool(env, 'HTTP_API', true) ? config : undefined;
}
