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
// A slot later than this (the REST client's own request timeout is 15 s) fails the request instead.
const MAX_WAIT_MS = 10_000;
/** Marks a request whose slot was already taken (a preview edit that asked first); removed before sending. */
export const PACED_HEADER = 'x-xiaoliu-paced';

/** The bot's one global bucket; named by a hash of the token, which never appears in Redis itself. */
export function discordGlobalBucket(token: string): RateBucket {
  const bot = createHash('sha256').update(token).digest('hex').slice(0, 16);
  return perWindow(`discord:{${bot}}:global`, GLOBAL_PER_SECOND, 1000, BURST);
}

/**
 * A `makeRequest` for @discordjs/rest that takes a slot of the shared global budget before every bot-authenticated
 * request. Interaction webhooks (sent without the bot token) are not bound by the global limit and go at once.
 */
export function globallyPacedRequest(budget: RateBudget, bucket: RateBucket): RESTOptions['makeRequest'] {
  return async (url, init) => {
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    const paid = PACED_HEADER in headers;
    delete headers[PACED_HEADER];
    if (!paid && headers.Authorization) await budget.acquire([bucket], MAX_WAIT_MS, init.signal ?? undefined);
    return DefaultRestOptions.makeRequest(url, { ...init, headers });
  };
}
