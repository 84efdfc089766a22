import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScript } from '../../src/redis/lua-script.js';

/** What the worker needs to answer a slash command through its interaction webhook. */
export interface StoredInteraction {
  applicationId: string;
  /** The interaction token: a credential that edits this interaction's replies, for 15 minutes. */
  token: string;
  /** The deferred reply's message id, once the answer has taken it over. */
  originalMessageId?: string;
}

// Discord accepts an interaction token for 15 minutes; keep it a little less, so an expired one is never tried.
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;
const SAFETY_MS = 30_000;

const SET_ORIGINAL = luaScript(new URL('./set-original.lua', import.meta.url));

/*
 * Why the token is not in the job: job payloads are retained (failed jobs for a week), shown by queue dashboards and
 * logged with job errors, and the rule is that no secret travels in one. The job carries only the interaction id;
 * the token waits here, in a key that expires when the token does, encrypted with a key derived from the bot token
 * (which the gateway and every Discord worker already hold), so a Redis dump or a `MONITOR` shows nothing usable.
 * Anyone holding the bot token could do far more than an interaction token allows, so this costs no new secret.
 */
export class InteractionStore {
  private readonly key: Buffer;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    botToken: string,
  ) {
    this.key = createHash('sha256').update('xiaoliu/discord-interaction-token\0').update(botToken).digest();
  }

  /** Keeps an interaction's token until shortly before Discord stops accepting it. */
  async save(interactionId: string, value: { applicationId: string; token: string }, createdAt: number): Promise<void> {
    const ttl = createdAt + INTERACTION_TOKEN_LIFETIME_MS - SAFETY_MS - Date.now();
    if (ttl <= 0) return;
    await this.redis
      .multi()
      .hset(this.keyOf(interactionId), { app: value.applicationId, token: this.seal(value.token) })
      .pexpire(this.keyOf(interactionId), ttl)
      .exec();
  }

  /** The interaction, or undefined once its token has expired (or it was never stored). */
  async load(interactionId: string): Promise<StoredInteraction | undefined> {
    const fields = await this.redis.hgetall(this.keyOf(interactionId));
    if (!fields.app || !fields.token) return undefined;
    const token = this.open(fields.token);
    if (token === undefined) return undefined;
    return { applicationId: fields.app, token, ...(fields.original ? { originalMessageId: fields.original } : {}) };
  }

  /** Remembers which message is the deferred reply, so later edits of it go through `@original`. */
  async setOriginal(interactionId: string, messageId: string): Promise<void> {
    // Only while the token is still there (see the script).
    await SET_ORIGINAL.run(this.redis, [this.keyOf(interactionId)], [messageId]);
  }

  /** Forgets the token once the answer is complete. */
  async forget(interactionId: string): Promise<void> {
    await this.redis.del(this.keyOf(interactionId));
  }

  private keyOf(interactionId: string): string {
    return `${this.prefix}:discord:interaction:${interactionId}`;
  }

  private seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** Undefined when the value was sealed with another bot token (rotated): the token is then unusable anyway. */
  private open(sealed: string): string | undefined {
    const raw = Buffer.from(sealed, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/**
 * Discord puts interaction tokens in URLs (`/interactions/{id}/{token}/callback`, `/webhooks/{app}/{token}`), and
 * @discordjs/rest errors carry them in more than the URL (a RateLimitError's `majorParameter` is `{app}/{token}`).
 * So an error that went near a token is replaced by a plain one holding only scrubbed strings and numbers, causes
 * included, before anything can log it.
 */
export function scrubToken(error: unknown, token: string): Error {
  return scrubbed(error, token, 0);
}

function scrubbed(error: unknown, token: string, depth: number): Error {
  const clean = (value: string) => value.replaceAll(token, '[interaction-token]');
  const source = (error ?? {}) as Record<string, unknown>;
  const safe = new Error(clean(error instanceof Error ? error.message : String(error)));
  safe.name = error instanceof Error ? error.name : 'Error';
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'string') (safe as unknown as Record<string, unknown>)[key] = clean(value);
    else if (typeof value === 'number' || typeof value === 'boolean') (safe as unknown as Record<string, unknown>)[key] = value;
  }
  if (error instanceof Error && error.cause !== undefined && depth < 3) safe.cause = scrubbed(error.cause, token, depth + 1);
  if (error instanceof Error && error.stack) safe.stack = clean(error.stack);
  return safe;
}
