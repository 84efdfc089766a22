import { ConfigError } from '../domain/errors.js';
import type { Env } from './env-readers.js';

/*
 * Example files (.env.example, docker/k8s/secret.example.yaml) show the shape of each secret with a placeholder. A
 * deployment that copied one and forgot a value must not start: a placeholder is a password everyone knows. So each
 * secret is checked before anything else reads it, and the error names the variable (never the value).
 */

/** Variables that hold a secret outright. */
const SECRET_VARIABLES = ['ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'DISCORD_TOKEN', 'OIDC_CLIENT_SECRET', 'SLACK_OIDC_CLIENT_SECRET'];
/** Connection strings whose password is a secret. */
const URL_VARIABLES = ['DATABASE_URL', 'REDIS_URL'];

/** What examples write where a value goes: CHANGE-ME (any spelling), REPLACE-ME, "xoxb-...", or all of it "<your token>". */
const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|\.\.\.|^<.*>$/i;
/**
 * Passwords Xiaoliu's own files once shipped as defaults: docker-compose.yml's Postgres password was "xiaoliu" and
 * Grafana's "admin" until the Compose file refused to start without real ones.
 */
const SHIPPED_DEFAULTS = new Set(['xiaoliu', 'admin']);

/** Throws a ConfigError naming the first secret variable that still holds a placeholder. */
export function refusePlaceholderSecrets(env: Env): void {
  for (const name of SECRET_VARIABLES) {
    const value = env[name]?.trim();
    if (value && PLACEHOLDER.test(value)) {
      throw new ConfigError(name, `${name} still holds the example's placeholder: set it to the real secret`);
    }
  }
  for (const name of URL_VARIABLES) {
    const password = passwordOf(env[name]);
    if (password && (PLACEHOLDER.test(password) || SHIPPED_DEFAULTS.has(password.toLowerCase()))) {
      throw new ConfigError(
        name,
        `${name} has a placeholder password (an example's, or a default everyone knows): set a real one (openssl rand -hex 32) ` +
          'in the server and in this URL',
      );
    }
  }
}

function passwordOf(raw: string | undefined): string | undefined {
  if (!raw?.trim()) return undefined;
  try {
    return decodeURIComponent(new URL(raw.trim()).password) || undefined;
  } catch {
    return undefined; // not a URL: the variable's own reader says so
  }
}
