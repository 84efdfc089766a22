import { ErrorCode } from '@slack/web-api';
import { RateBudgetExhausted } from '../../src/rate/rate-budget.js';
import type { SlackConfig } from './slack-config.js';

/** One page of conversations.replies or conversations.history, its messages of type M. */
export interface MessagePage<M> {
  messages?: M[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/** One call of the method for one thread (or channel), with these arguments added. */
export type ReadPage<M> = (args: { limit: number; cursor?: string; oldest?: string; latest?: string; inclusive?: boolean }) => Promise<MessagePage<M>>;

/** How much one look-up may read: messages per call, and calls. */
export interface ReadCaps {
  perCall: number;
  calls: number;
}

/**
 * What Slack lets this app read per look-up. Apps commercially distributed outside the Marketplace get "1 request
 * per minute" and "the maximum and default values for the limit parameter have both been reduced to 15 objects";
 * Marketplace and internal apps get Tier 3 (50+ a minute) on conversations.replies and conversations.history
 * (https://docs.slack.dev/reference/methods/conversations.replies). Pages of 200, Slack's advice for paginated
 * methods, five at most: a thousand messages.
 */
export function readCaps(appClass: SlackConfig['appClass']): ReadCaps {
  return appClass === 'non-marketplace' ? { perCall: 15, calls: 1 } : { perCall: 200, calls: 5 };
}

/** Slack ts ('1700000000.000100') are microsecond times: compare them exactly, not as floats. */
export function tsBefore(a: string, b: string): boolean {
  const micros = (ts: string) => {
    const [seconds = '0', fraction = '0'] = ts.split('.');
    return BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
  };
  return micros(a) < micros(b);
}

/**
 * A thread's messages before `beforeTs`, oldest first: its first message, and up to `keep - 1` of the messages
 * nearest `beforeTs`. Slack lists a thread oldest first and its cursor only goes forward, so the look-up pages from
 * the start (`latest` stops it at `beforeTs`); `unread` says the caps ran out first, so the messages nearest
 * `beforeTs` were not read. A rate limit after the first page (Slack's, or no slot of the budget in time) ends it the
 * same way.
 */
export async function readNearest<M extends { ts?: string }>(
  read: ReadPage<M>,
  beforeTs: string,
  keep: number,
  caps: ReadCaps,
): Promise<{ messages: M[]; unread: boolean }> {
  let first: M | undefined;
  const nearest: M[] = [];
  let cursor: string | undefined;
  for (let call = 0; call < caps.calls; call++) {
    let page: MessagePage<M>;
    try {
      page = await read({ limit: caps.perCall, latest: beforeTs, inclusive: false, ...(cursor ? { cursor } : {}) });
    } catch (error) {
      if (call > 0 && isRateLimited(error)) break;
      throw error;
    }
    for (const m of page.messages ?? []) {
      if (!m.ts || !tsBefore(m.ts, beforeTs)) continue;
      if (!first) first = m;
      else nearest.push(m);
      if (nearest.length > keep - 1) nearest.shift();
    }
    cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
    if (!cursor) return { messages: first ? [first, ...nearest] : nearest, unread: false };
  }
  return { messages: first ? [first, ...nearest] : nearest, unread: true };
}

/**
 * Messages from `oldest` on (all of them from the start when undefined), paging within the caps: where to look for
 * a message Xiaoliu posted moments ago. Bounded below, the look-up reads only the few messages since, however long
 * the thread is.
 */
export async function readSince<M>(read: ReadPage<M>, oldest: string | undefined, caps: ReadCaps): Promise<M[]> {
  const messages: M[] = [];
  let cursor: string | undefined;
  for (let call = 0; call < caps.calls; call++) {
    const page = await read({ limit: caps.perCall, ...(oldest ? { oldest, inclusive: true } : {}), ...(cursor ? { cursor } : {}) });
    messages.push(...(page.messages ?? []));
    cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
    if (!cursor) break;
  }
  return messages;
}

/** Slack refused the call for its rate limit, or the shared budget had no slot for it in time. */
function isRateLimited(error: unknown): boolean {
  return error instanceof RateBudgetExhausted || (error as { code?: string }).code === ErrorCode.RateLimitedError;
}
