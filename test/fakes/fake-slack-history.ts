// conversations.replies and conversations.history for the fake Slack: the order, time window, cursors and caps Slack
// documents, which differ by app class.
//
// "As of May 29, 2025, for new applications and installation commercially distributed outside of the Marketplace,
// this method is rate limited to 1 request per minute. The maximum and default values for the limit parameter have
// both been reduced to 15 objects. For Marketplace and internal customer-built applications, this method has Tier 3
// rate limits. Beginning March 3, 2026, existing installations [...] will also be subject to the new posted limits."
// (https://docs.slack.dev/reference/methods/conversations.replies; the same for conversations.history:
// https://docs.slack.dev/apis/web-api/rate-limits and
// https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps).
import type { SlackMessage, SlackState } from './fake-slack-state.js';
import { compareTs, decodeCursor, encodeCursor, type SlackArgs } from './fake-slack-wire.js';

/**
 * Which limits the app gets: 'internal' (built by the workspace's own organisation) and 'marketplace' (approved for
 * the Slack Marketplace) the normal ones; 'non-marketplace' (commercially distributed outside it) the reduced ones.
 */
export type SlackAppClass = 'internal' | 'marketplace' | 'non-marketplace';

type Reply = { ok: true; [key: string]: unknown } | { ok: false; error: string };

const fail = (error: string): Reply => ({ ok: false, error });
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const yes = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;

/** Per-method limits per minute for this app class, for SlackRateLimits' `methodLimits`. */
export function historyRateLimits(appClass: SlackAppClass): Record<string, number> {
  // Reduced class: "1 request per minute"; the others: Tier 3 ("50+ per minute", https://docs.slack.dev/apis/web-api/rate-limits).
  const perMinute = appClass === 'non-marketplace' ? 1 : 50;
  return { 'conversations.replies': perMinute, 'conversations.history': perMinute };
}

/** The `limit` Slack applies: the asked one within the class's maximum, or the class's default. */
function pageLimit(args: SlackArgs, appClass: SlackAppClass, normalDefault: number): number {
  // Reduced class: maximum and default 15. Otherwise the documented default (replies 1000, history 100) and the
  // fake's own ceiling of 1000 ("fewer than the requested number of items may be returned").
  const [fallback, max] = appClass === 'non-marketplace' ? [15, 15] : [normalDefault, 1000];
  const asked = Number(args.limit);
  return Number.isInteger(asked) && asked > 0 ? Math.min(asked, max) : fallback;
}

/**
 * The messages inside `oldest`/`latest`: "Only messages after this Unix timestamp" / "before this", the bounds
 * themselves only with `inclusive` ("Include messages with oldest or latest timestamps in results. Ignored unless
 * either timestamp is specified").
 */
function inWindow(messages: SlackMessage[], args: SlackArgs): SlackMessage[] | 'invalid_ts_oldest' | 'invalid_ts_latest' {
  const oldest = str(args.oldest);
  const latest = str(args.latest);
  const valid = (ts: string | undefined) => ts === undefined || /^\d+(\.\d+)?$/.test(ts);
  if (!valid(oldest)) return 'invalid_ts_oldest';
  if (!valid(latest)) return 'invalid_ts_latest';
  const inclusive = yes(args.inclusive);
  return messages.filter((m) => {
    if (oldest !== undefined) {
      const c = compareTs(m.ts, oldest);
      if (c < 0 || (c === 0 && !inclusive)) return false;
    }
    if (latest !== undefined) {
      const c = compareTs(m.ts, latest);
      if (c > 0 || (c === 0 && !inclusive)) return false;
    }
    return true;
  });
}

/** Slack returns a message's metadata from conversations.history/replies only when asked (include_all_metadata). */
function viewOf(state: SlackState, m: SlackMessage, args: SlackArgs): Record<string, unknown> {
  const view = state.view(m);
  if (yes(args.include_all_metadata)) return view;
  const { metadata: _metadata, ...rest } = view;
  return rest;
}

/** One page from `ordered` starting at the cursor, with the cursor of the next; undefined for a bad cursor. */
function page(ordered: SlackMessage[], args: SlackArgs, limit: number, before: (a: string, b: string) => boolean) {
  let start = 0;
  if (str(args.cursor)) {
    const from = decodeCursor(args.cursor);
    if (!from) return undefined;
    start = ordered.findIndex((m) => !before(m.ts, from));
    if (start < 0) start = ordered.length;
  }
  const next = ordered[start + limit];
  return { messages: ordered.slice(start, start + limit), next };
}

/**
 * A thread, parent first then replies, oldest first ("a cursor-paginated thread of messages"): `limit` takes the
 * oldest messages of the window, and the cursor goes on towards newer ones. A continuation page starts where the
 * last one ended, so it does not repeat the parent.
 */
export function conversationsReplies(args: SlackArgs, state: SlackState, appClass: SlackAppClass): Reply {
  const channel = str(args.channel);
  const ts = str(args.ts);
  if (!channel) return fail('channel_not_found');
  const thread = ts ? state.list(channel, ts) : [];
  if (thread.length === 0) return fail('thread_not_found');
  const window = inWindow(thread, args);
  if (typeof window === 'string') return fail(window);
  const found = page(window, args, pageLimit(args, appClass, 1000), (a, b) => compareTs(a, b) < 0);
  if (!found) return fail('invalid_cursor');
  return {
    ok: true,
    messages: found.messages.map((m) => viewOf(state, m, args)),
    has_more: found.next !== undefined,
    response_metadata: { next_cursor: found.next ? encodeCursor(found.next.ts) : '' },
  };
}

/** A channel's top-level messages (replies stay in their threads), newest first, as Slack lists history. */
export function conversationsHistory(args: SlackArgs, state: SlackState, appClass: SlackAppClass): Reply {
  const channel = str(args.channel);
  if (!channel) return fail('channel_not_found');
  const topLevel = state.list(channel).filter((m) => !m.thread_ts).reverse();
  const window = inWindow(topLevel, args);
  if (typeof window === 'string') return fail(window);
  const found = page(window, args, pageLimit(args, appClass, 100), (a, b) => compareTs(a, b) > 0);
  if (!found) return fail('invalid_cursor');
  return {
    ok: true,
    messages: found.messages.map((m) => viewOf(state, m, args)),
    has_more: found.next !== undefined,
    response_metadata: { next_cursor: found.next ? encodeCursor(found.next.ts) : '' },
  };
}
