import { createHash } from 'node:crypto';
import type { PostKey } from '../../src/domain/egress.js';

/** Discord's limit on a message's content. */
export const DISCORD_MAX_CHARS = 2000;
// Discord accepts a nonce of at most 25 characters.
const NONCE_LENGTH = 25;

/**
 * `@everyone` and `@here` written by the model. `allowed_mentions: { parse: [] }` already stops them pinging; a
 * zero-width space also keeps them from rendering as a broadcast, so nobody reads one as a real alarm. If the
 * spaces would push a full-length part past Discord's limit, the @ becomes a full-width ＠ instead (same length).
 */
export function defuseBroadcasts(text: string, maxChars = DISCORD_MAX_CHARS): string {
  const spaced = text.replace(/@(everyone|here)\b/g, '@\u200B$1');
  if (spaced.length <= maxChars || spaced.length === text.length) return spaced;
  return text.replace(/@(everyone|here)\b/g, '＠$1');
}

/**
 * The nonce of one part of one answer. With `enforce_nonce`, Discord returns the message already created with the
 * same nonce (for a few minutes) instead of creating another, so a post retried after a lost response, by
 * @discordjs/rest or by a retried job, cannot appear twice. Delivery ids run past 25 characters: hash them.
 */
export function nonceFor(key: PostKey): string {
  return createHash('sha256').update(`${key.deliveryId}#${key.part}`).digest('base64url').slice(0, NONCE_LENGTH);
}

/** The JSON body of a message create or edit: never a ping, whatever the text says; deduplicated when keyed. */
export function messageBody(text: string, key?: PostKey): Record<string, unknown> {
  return {
    content: defuseBroadcasts(text),
    allowed_mentions: { parse: [] },
    ...(key ? { nonce: nonceFor(key), enforce_nonce: true } : {}),
  };
}
