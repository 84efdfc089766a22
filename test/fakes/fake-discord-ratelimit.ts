// Discord-style rate limits: per-route buckets with x-ratelimit-* headers, plus 429s forced on demand by tests.
import { createHash } from 'node:crypto';

/** Which requests a forced 429 applies to: `'PATCH /channels/:id/messages/:id'` (`:x` = any one segment, method
 * optional), a RegExp tested against `"METHOD /path"`, or a predicate. Paths are relative to `/api/v10`. */
export type RouteMatcher = string | RegExp | ((method: string, path: string) => boolean);

export type RateLimitScope = 'user' | 'global' | 'shared';

export interface RateLimitOptions {
  /** Automatic limits on; when off, headers still come but never show an exhausted bucket. */
  enabled: boolean;
  postsPer5s: number;
  editsPer5s: number;
  /** Length of the post/edit windows; 5000 like Discord, shrink it to keep tests fast. */
  windowMs: number;
  /** Requests per second per bot token, over every client of the bot together (Discord: 50). */
  globalPerSecond: number;
}

export interface RateLimitVerdict {
  headers: Record<string, string>;
  /** Set when the request must be answered with 429 instead. */
  limited?: { retryAfterSeconds: number; scope: RateLimitScope };
}

interface Bucket {
  name: string;
  limit: number;
  windowMs: number;
}

interface Forced {
  matches: (method: string, path: string) => boolean;
  times: number;
  retryAfterSeconds: number;
  scope: RateLimitScope;
}

// Everything not singled out below: roomy, so only the limits a test is about ever bite.
const DEFAULT_BUCKET = { limit: 50, windowMs: 1000 };
const DISABLED_LIMIT = 10_000;

export function compileMatcher(matcher: RouteMatcher): (method: string, path: string) => boolean {
  if (typeof matcher === 'function') return matcher;
  if (matcher instanceof RegExp) return (method, path) => matcher.test(`${method} ${path}`);
  const [first, second] = matcher.trim().split(/\s+/);
  const method = second === undefined ? undefined : first!.toUpperCase();
  const pattern = (second ?? first)!
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  const re = new RegExp(`^${pattern}/?$`);
  return (m, path) => (method === undefined || method === m) && re.test(path);
}

/** The major parameter Discord buckets by: channel, guild, or webhook id+token. */
function majorParameter(path: string): string {
  return /^\/(?:channels|guilds)\/(\d+)/.exec(path)?.[1] ?? /^\/webhooks\/(\d+\/[^/]+)/.exec(path)?.[1] ?? 'global';
}

const hashOf = (name: string): string => createHash('sha1').update(name).digest('hex').slice(0, 32);

export class RateLimiter {
  count429 = 0;
  private forced: Forced[] = [];
  /** Window state per bucket hash + major parameter. */
  private windows = new Map<string, { used: number; resetAt: number }>();
  /** The global limit's recent requests (times, oldest first) per Authorization header: per bot, whichever process sends. */
  private globals = new Map<string, number[]>();

  constructor(private readonly options: RateLimitOptions) {}

  forceNext(matcher: RouteMatcher, times: number, retryAfterSeconds: number, scope: RateLimitScope): void {
    this.forced.push({ matches: compileMatcher(matcher), times, retryAfterSeconds, scope });
  }

  private bucketFor(method: string, path: string): Bucket {
    const { postsPer5s, editsPer5s, windowMs } = this.options;
    if (method === 'POST' && /^\/channels\/\d+\/messages$/.test(path)) {
      return { name: 'post-message', limit: postsPer5s, windowMs };
    }
    if (method === 'PATCH' && /^\/channels\/\d+\/messages\/\d+$/.test(path)) {
      return { name: 'edit-message', limit: editsPer5s, windowMs };
    }
    // Like Discord, the route's shape (ids blanked, webhook tokens too) names its bucket.
    const shape = path.replace(/\/webhooks\/\d+\/[^/]+/, '/webhooks/:id/:token').replace(/\d{15,}/g, ':id');
    return { name: `${method} ${shape}`, ...DEFAULT_BUCKET };
  }

  /**
   * Discord's global limit: "All bots can make up to 50 requests per second to our API", counted by the request's
   * authentication ("Individuals are determined using a request's authentication—for example, a bot token for a
   * bot"), so every process of one bot shares it; "Interaction endpoints are not bound to the bot's Global Rate Limit"
   * (https://discord.com/developers/docs/topics/rate-limits#global-rate-limit). Requests without a token (interaction
   * webhooks here) are left out; Discord would count those per IP address. The page names no window shape and gives
   * no reset header for it, so the fake holds a bot to the strictest reading: at most that many in any second (a
   * rolling window, not one restarting every second). Seconds to wait when over it.
   */
  private overGlobal(path: string, authorization: string | undefined, now: number): number | undefined {
    if (!this.options.enabled || !authorization || /^\/(interactions|webhooks)\//.test(path)) return undefined;
    const recent = (this.globals.get(authorization) ?? []).filter((t) => t > now - 1000);
    this.globals.set(authorization, recent);
    if (recent.length >= this.options.globalPerSecond) return (recent[0]! + 1000 - now) / 1000;
    recent.push(now);
    return undefined;
  }

  /** Decides the fate of one request and the headers its response carries. */
  check(method: string, path: string, authorization?: string, now = Date.now()): RateLimitVerdict {
    const bucket = this.bucketFor(method, path);
    const hash = hashOf(bucket.name);
    const key = `${hash}:${majorParameter(path)}`;
    const limit = this.options.enabled ? bucket.limit : DISABLED_LIMIT;

    let window = this.windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { used: 0, resetAt: now + bucket.windowMs };
      this.windows.set(key, window);
    }
    const headers = (remaining: number, resetAfterSeconds: number): Record<string, string> => ({
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': ((now + resetAfterSeconds * 1000) / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfterSeconds.toFixed(3),
      'x-ratelimit-bucket': hash,
    });

    const forcedIndex = this.forced.findIndex((f) => f.matches(method, path));
    if (forcedIndex >= 0) {
      const f = this.forced[forcedIndex]!;
      if (--f.times <= 0) this.forced.splice(forcedIndex, 1);
      return this.limited(headers(0, f.retryAfterSeconds), f.retryAfterSeconds, f.scope);
    }
    const resetAfter = (window.resetAt - now) / 1000;
    if (window.used >= limit) return this.limited(headers(0, resetAfter), resetAfter, 'user');
    const globalWait = this.overGlobal(path, authorization, now);
    if (globalWait !== undefined) return this.limited(headers(limit - window.used, resetAfter), globalWait, 'global');
    window.used++;
    return { headers: headers(limit - window.used, resetAfter) };
  }

  private limited(headers: Record<string, string>, retryAfterSeconds: number, scope: RateLimitScope): RateLimitVerdict {
    this.count429++;
    // Discord rounds the header up to whole seconds; the body carries the precise float.
    headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
    headers['x-ratelimit-scope'] = scope;
    if (scope === 'global') {
      headers['x-ratelimit-global'] = 'true';
      // A global limit is not about this bucket: its headers would mislead the client.
      for (const h of ['limit', 'remaining', 'reset', 'reset-after', 'bucket']) delete headers[`x-ratelimit-${h}`];
    }
    return { headers, limited: { retryAfterSeconds, scope } };
  }
}
