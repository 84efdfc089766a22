import { createHash } from 'node:crypto';
import type { AnswerControls, PostKey } from '../../src/domain/egress.js';

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

/**
 * The JSON body of a message create or edit: never a ping, whatever the text says; deduplicated when keyed; with the
 * answer's buttons when given (`components: []` takes them away; absent leaves an edited message's as they are).
 */
export function messageBody(text: string, key?: PostKey, controls?: AnswerControls): Record<string, unknown> {
  return {
    content: defuseBroadcasts(text),
    allowed_mentions: { parse: [] },
    ...(key ? { nonce: nonceFor(key), enforce_nonce: true } : {}),
    ...(controls ? { components: answerComponents(controls) } : {}),
  };
}

/** The prefix of Xiaoliu's custom_ids: `xl:<verb>:<answer id>`, at most 100 characters, the answer's state in Postgres. */
export const CUSTOM_ID_PREFIX = 'xl';
// "custom_id: Developer-defined identifier for the button; max 100 characters"
// (https://discord.com/developers/docs/components/reference#button).
const CUSTOM_ID_MAX = 100;

/** The answer's buttons: one action row (type 1) of buttons (type 2); style 1 primary, 2 secondary, 4 danger. */
export function answerComponents({ answerId, state, remember }: AnswerControls): unknown[] {
  const id = (verb: string) => `${CUSTOM_ID_PREFIX}:${verb}:${answerId}`;
  if (state === 'none' || id('regenerate').length > CUSTOM_ID_MAX) return [];
  const button = (verb: string, label: string, style: number) => ({ type: 2, style, label, custom_id: id(verb) });
  const buttons =
    state === 'streaming'
      ? [button('stop', '⏹ Stop', 4)]
      : state === 'approval'
        ? // style 3 is Success (green): https://discord.com/developers/docs/components/reference#button-button-styles
          [button('approve', '✅ Approve', 3), button('deny', '✖ Deny', 4)]
        : [
            button('regenerate', '🔄 Regenerate', 2),
            button('good', '👍', 2),
            button('bad', '👎', 2),
            // "Remember this", where Claude suggested a fact with the answer (src/memory/suggest-memory-tool.ts).
            ...(remember ? [button('remember', '🧠 Remember this', 1)] : []),
          ];
  return [{ type: 1, components: buttons }];
}

/** The verb and answer of one of Xiaoliu's custom_ids; undefined for anything else. */
export function parseCustomId(customId: string): { verb: string; answerId: string } | undefined {
  const match = /^xl:(stop|regenerate|good|bad|reason|remember|approve|deny):(.+)$/.exec(customId);
  return match ? { verb: match[1]!, answerId: match[2]! } : undefined;
}
