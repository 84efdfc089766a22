import { bool, int, type Env } from '../../src/config/env-readers.js';

export interface HttpApiConfig {
  /** Serve the web console at / (it holds no secret: the key is typed into the browser). */
  console: boolean;
  /** Origins allowed to call the API from a browser; empty: no CORS headers at all. '*' allows any. */
  corsOrigins: string[];
  /** Largest request body, in bytes; larger is refused with 413 before it is read. */
  maxBodyBytes: number;
  /** Longest message, in characters. */
  maxMessageChars: number;
  /** Requests per key per minute; more get 429 with Retry-After. */
  rateLimitPerMinute: number;
  /** Largest file an answer may attach (kept in Postgres). */
  maxFileBytes: number;
  /**
   * Most bytes of files one request may upload, all together (ATTACHMENT_MAX_BYTES, the largest file read on every
   * platform), on top of HTTP_MAX_BODY_BYTES for the rest of the body.
   */
  maxUploadBytes: number;
}

/**
 * The HTTP chat API (/v1/…) and web console on the gateway's server; undefined (off) when HTTP_API is false. Its
 * other settings are checked either way, so a typo shows before the day the API is turned on.
 */
export function readHttpApiConfig(env: Env): HttpApiConfig | undefined {
  const config: HttpApiConfig = {
    console: bool(env, 'HTTP_CONSOLE', true),
    corsOrigins: (env.HTTP_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    maxBodyBytes: int(env, 'HTTP_MAX_BODY_BYTES', 65_536, 256, 10_485_760),
    maxMessageChars: int(env, 'HTTP_MAX_MESSAGE_CHARS', 8000, 1, 1_000_000),
    rateLimitPerMinute: int(env, 'HTTP_RATE_LIMIT_PER_MINUTE', 30, 1, 100_000),
    maxFileBytes: int(env, 'HTTP_MAX_FILE_BYTES', 5_242_880, 1024, 104_857_600),
    maxUploadBytes: int(env, 'ATTACHMENT_MAX_BYTES', 20_971_520, 1024, 33_554_432),
  };
  return bool(env, 'HTTP_API', true) ? config : undefined;
}
