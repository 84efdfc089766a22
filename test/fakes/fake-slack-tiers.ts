// Slack's Web API rate limits as the fake enforces them: per method, per workspace, per app, counted over every
// client of the app together (the fake serves one app in one workspace, so one count per method).
// "Broadly, you'll encounter limits like these, applied on a 'per API method per workspace/team per app' basis"; a
// call over the limit gets HTTP 429 with a Retry-After header giving the seconds to wait
// (https://docs.slack.dev/apis/web-api/rate-limits).
import { SlidingWindow, TokenBucket } from './fake-slack-wire.js';

/** Tiers by their documented floors: "Tier 2 20+ per minute", "Tier 3 50+ per minute", "Tier 4 100+ per minute". */
const TIER = { 2: 20, 3: 50, 4: 100 } as const;

/** Each method's tier, from the "Rate Limits" fact of its reference page. Methods not listed are not limited here. */
export const METHOD_TIERS: Record<string, keyof typeof TIER> = {
  'chat.update': 3, // https://api.slack.com/methods/chat.update
  'chat.delete': 3, // https://api.slack.com/methods/chat.delete
  'chat.appendStream': 4, // https://docs.slack.dev/reference/methods/chat.appendStream
  'chat.startStream': 2, // https://docs.slack.dev/reference/methods/chat.startStream
  'chat.stopStream': 2, // https://api.slack.com/methods/chat.stopStream
  'files.getUploadURLExternal': 4, // https://api.slack.com/methods/files.getUploadURLExternal
  'files.completeUploadExternal': 4, // https://api.slack.com/methods/files.completeUploadExternal
  'reactions.add': 3, // https://docs.slack.dev/reference/methods/reactions.add
  'reactions.remove': 2, // https://docs.slack.dev/reference/methods/reactions.remove
};

export interface SlackRateOptions {
  /** chat.postMessage per channel per second (default 1)… */
  postPerSecond?: number;
  /** …with a burst of this many back to back (default 3: Slack "allows short bursts" without saying how many). */
  postBurst?: number;
  /**
   * chat.postMessage per workspace per minute. Slack documents that a workspace-wide limit exists without a figure;
   * the default (300) is the same assumption Xiaoliu's egress makes, so a test can only shrink it.
   */
  postsPerWorkspaceMinute?: number;
  /** Per-method limits per window, overriding the tiers (e.g. `{ 'chat.update': 3 }`). */
  methodLimits?: Record<string, number>;
  /** Multiplies every window (1 = Slack's minute and second); tests shrink them to keep fast. */
  timeScale?: number;
}

/** Decides whether a call is over a limit; a call that is not over one is counted. */
export class SlackRateLimits {
  private readonly posts: TokenBucket;
  private readonly workspacePosts: SlidingWindow;
  private readonly windows = new Map<string, SlidingWindow>();
  private readonly windowMs: number;

  constructor(private readonly options: SlackRateOptions = {}) {
    const scale = options.timeScale ?? 1;
    this.windowMs = 60_000 * scale;
    this.posts = new TokenBucket((options.postPerSecond ?? 1) / scale, options.postBurst ?? 3);
    this.workspacePosts = new SlidingWindow(options.postsPerWorkspaceMinute ?? 300, this.windowMs);
  }

  /** Retry-After seconds if `method` is over its limit for this team (and channel); undefined when allowed. */
  take(method: string, team: string, channel: string): number | undefined {
    if (method === 'chat.postMessage') {
      // "One message per second per channel, while also maintaining a workspace-wide limit": both must allow it.
      const wait = this.workspacePosts.peek(team) ?? this.posts.peek(channel);
      if (wait !== undefined) return wait;
      this.workspacePosts.take(team);
      return this.posts.take(channel);
    }
    const limit = this.options.methodLimits?.[method] ?? (METHOD_TIERS[method] ? TIER[METHOD_TIERS[method]] : undefined);
    if (limit === undefined) return undefined;
    let window = this.windows.get(method);
    if (!window) this.windows.set(method, (window = new SlidingWindow(limit, this.windowMs)));
    return window.take(team);
  }
}
