import type { SlackConfig } from './slack-config.js';
import { perWindow, type RateBucket } from '../../src/rate/rate-budget.js';

// Slack limits each Web API method per workspace per app ("per API method per workspace/team per app",
// https://docs.slack.dev/apis/web-api/rate-limits); each method's reference page names its tier. The counts below are
// the tiers' documented floors ("50+ per minute" is 50). Every worker takes its slots from one Redis budget, so
// several workers together stay within them.
const MINUTE = 60_000;

/** The Web API methods Xiaoliu paces, each with its documented limit. */
export type PacedMethod =
  | 'chat.postMessage'
  | 'chat.update'
  | 'chat.appendStream'
  | 'chat.startStream'
  | 'chat.stopStream'
  | 'files.upload'
  | 'reactions.add'
  | 'reactions.remove';

const limits: Record<Exclude<PacedMethod, 'chat.postMessage'>, { perMinute: number; burst: number }> = {
  // Tier 3: https://api.slack.com/methods/chat.update
  'chat.update': { perMinute: 50, burst: 5 },
  // Tier 4: https://docs.slack.dev/reference/methods/chat.appendStream
  'chat.appendStream': { perMinute: 100, burst: 10 },
  // Tier 2: https://docs.slack.dev/reference/methods/chat.startStream
  'chat.startStream': { perMinute: 20, burst: 4 },
  // Tier 2: https://api.slack.com/methods/chat.stopStream
  'chat.stopStream': { perMinute: 20, burst: 4 },
  // filesUploadV2 calls files.getUploadURLExternal and files.completeUploadExternal once per file, both Tier 4
  // (https://api.slack.com/methods/files.getUploadURLExternal, https://api.slack.com/methods/files.completeUploadExternal):
  // one slot per upload paces both.
  'files.upload': { perMinute: 100, burst: 10 },
  // Tier 3: https://docs.slack.dev/reference/methods/reactions.add
  'reactions.add': { perMinute: 50, burst: 5 },
  // Tier 2: https://docs.slack.dev/reference/methods/reactions.remove
  'reactions.remove': { perMinute: 20, burst: 4 },
};

// chat.postMessage has a "special" limit: "generally allows posting one message per second per channel, while also
// maintaining a workspace-wide limit" (https://docs.slack.dev/apis/web-api/rate-limits; "Special" on
// https://docs.slack.dev/reference/methods/chat.postMessage): the one limit Slack states per channel, so the one bucket
// kept per channel here, while every other method's is per workspace as the tiers are. Slack publishes no figure
// for the workspace-wide part; 300 a minute is this project's assumption (a lower real cap still only costs a 429
// that is waited out and logged).
const POST_INTERVAL_MS = 1000;
const POSTS_PER_WORKSPACE_MINUTE = 300;

/** The budgets a call to `method` in this workspace (and channel, for posts) takes a slot from. */
export function slackBuckets(method: PacedMethod, workspaceId: string, channelId: string): RateBucket[] {
  const scope = `slack:{${workspaceId}}:${method}`;
  if (method === 'chat.postMessage') {
    return [perWindow(scope, POSTS_PER_WORKSPACE_MINUTE, MINUTE, 10), { key: `${scope}:${channelId}`, intervalMs: POST_INTERVAL_MS, burst: 1 }];
  }
  const { perMinute, burst } = limits[method];
  return [perWindow(scope, perMinute, MINUTE, burst)];
}

/** The methods that read a conversation back, whose limit depends on the app's class (SLACK_APP_CLASS). */
export type ReadMethod = 'conversations.replies' | 'conversations.history';

/**
 * The budget one call of a read method in this workspace takes a slot from. Marketplace and internal apps get tier 3;
 * apps "commercially distributed outside of the Marketplace" get "1 request per minute" for each of the two
 * (https://docs.slack.dev/reference/methods/conversations.replies, https://docs.slack.dev/reference/methods/conversations.history,
 * https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps). One a minute leaves no
 * room for a burst: a slot every 61 s, the extra second so that two calls taken a minute apart can never reach Slack
 * inside one of its minutes.
 */
export function slackReadBucket(method: ReadMethod, workspaceId: string, appClass: SlackConfig['appClass']): RateBucket {
  const key = `slack:{${workspaceId}}:${method}`;
  return appClass === 'non-marketplace' ? { key, intervalMs: MINUTE + 1000, burst: 1 } : perWindow(key, 50, MINUTE, 5);
}

// assistant.threads.setStatus is not paced. Its reference page says only "Special rate limits apply" and publishes no
// figure (https://docs.slack.dev/reference/methods/assistant.threads.setStatus), so any pace would be a guess; it is
// best effort (the answer shows without it), a few calls an answer (set, changed once or twice, cleared), and the
// client rejects a 429 at once instead of queueing (slack-client.ts): a refused status is simply not shown.
