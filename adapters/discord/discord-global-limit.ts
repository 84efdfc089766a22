import { createHash } from 'node:crypto';
import { DefaultRestOptions, type RESTOptions } from 'discord.js';
import { perWindow, type RateBucket, type RateBudget } from '../../src/rate/rate-budget.js';

// "All bots can make up to 50 requests per second to our API", counted per bot token whichever process sends, and
// "Interaction endpoints are not bound to the bot's Global Rate Limit"
// (https://discord.com/developers/docs/topics/rate-limits#global-rate-limit). @discordjs/rest counts the 50 per
// REST instance (its globalRequestsPerSecond), so several workers together could send several times that and collect
// 429s, which count toward Cloudflare's ban of the IP address; this budget is shared by all of them through Redis.
const GLOBAL_PER_SECOND = 50;
const BURST = 5;
// Discord does not say whether its second is fixed or rolling, so the budget keeps under 50 in any second. A request
// reaches Discord a little after taking its slot, and not always equally late (a new connection, a busy event loop):
// this many of the 50 stay unused, so requests bunched up that way still never make 51 within one second.
const ARRIVAL_ROOM = 5;
// A slot later than this (the REST client's own request timeout is 15 s) fails the request instead.
const MAX_WAIT_MS = 10_000;
/**
 * Marks a cosmetic request (a streaming preview): it goes only if a slot is free the moment it is sent, else it fails
 * with PreviewSkipped. Removed before sending.
 */
export const PREVIEW_HEADER = 'x-xiaoliu-preview';

/** A preview found no slot of the global budget free: it is left out (the final edit carries the text). */
export class PreviewSkipped extends Error {
  constructor() {
    super("preview left out: no slot of Discord's global rate budget free now");
    this.name = 'PreviewSkipped';
  }
}

/** The bot's one global bucket; named by a hash of the token, which never appears in Redis itself. */
export function discordGlobalBucket(token: string): RateBucket {
  const bot = createHash('sha256').update(token).digest('hex').slice(0, 16);
  return perWindow(`discord:{${bot}}:global`, GLOBAL_PER_SECOND - ARRIVAL_ROOM, 1000, BURST);
}

/**
 * A `makeRequest` for @discordjs/rest that takes a slot of the shared global budget before every bot-authenticated
 * request: the workers' REST clients, and the gateway's discord.js Client (its `rest` option takes the same). The
 * interaction callback and the interaction webhook (deferring, replying, editing the reply) are sent without the bot
 * token and go at once: "Interaction endpoints are not bound to the bot's Global Rate Limit"
 * (https://docs.discord.com/developers/interactions/receiving-and-responding#endpoints), and the first must reach
 * Discord within 3 s.
 */
export function globallyPacedRequest(budget: RateBudget, bucket: RateBucket): RESTOptions['makeRequest'] {
  return async (url, init) => {
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    const preview = PREVIEW_HEADER in headers;
    delete headers[PREVIEW_HEADER];
    // Here, after @discordjs/rest's per-route queue, so a slot is taken only as the request goes out; and on every
    // attempt, since its retries (5xx, resets, 429s) call this again. A preview never waits: it goes now or not at all
    // (an error that @discordjs/rest does not retry).
    if (headers.Authorization) {
      if (!preview) await budget.acquire([bucket], MAX_WAIT_MS, init.signal ?? undefined);
      else if (!(await budget.tryAcquire([bucket]))) throw new PreviewSkipped();
    }
    return DefaultRestOptions.makeRequest(url, { ...init, headers });
  };
}
