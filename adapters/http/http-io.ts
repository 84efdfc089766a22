import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';

/** An error the API answers with its status and `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) return void res.end();
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
}

/** The bearer token of a request; a missing or malformed header is a 401 saying how to send one. */
export function bearerToken(req: IncomingMessage): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) {
    throw new ApiError(401, 'unauthorized', 'Send an API key as "Authorization: Bearer <key>" (npm run apikey -- create).', {
      'www-authenticate': 'Bearer',
    });
  }
  return match[1];
}

/**
 * Reads a JSON body of at most `maxBytes`. A declared Content-Length over the cap is refused before a byte is read;
 * a body that grows past it while streaming is cut off there, so a client cannot make the server buffer more.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  // Closing the connection afterwards spares the server from draining the rest of a body it will never use.
  const tooLarge = () => new ApiError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`, { connection: 'close' });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge();
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    req.resume();
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON with "Content-Type: application/json".');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

/**
 * A fixed one-minute window per key in Redis, shared by every gateway: simple, and at most twice the limit in a
 * burst straddling two windows, which is acceptable for a per-key politeness limit.
 */
export async function checkRateLimit(redis: Redis, prefix: string, keyId: string, perMinute: number): Promise<void> {
  const now = Date.now();
  const window = Math.floor(now / 60_000);
  const key = `${prefix}:http:rate:${keyId}:${window}`;
  const [[, count] = [null, 0]] = (await redis.multi().incr(key).expire(key, 120).exec()) ?? [];
  if (Number(count) > perMinute) {
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
    throw new ApiError(429, 'rate_limited', `More than ${perMinute} requests this minute with this key; try again in ${retryAfter} s.`, {
      'retry-after': String(retryAfter),
    });
  }
}

/** CORS headers for an allowed origin; none at all (browsers then refuse cross-origin calls) by default. */
export function corsHeaders(req: IncomingMessage, allowed: readonly string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || allowed.length === 0) return {};
  if (!allowed.includes('*') && !allowed.includes(origin)) return {};
  return {
    'access-control-allow-origin': allowed.includes('*') ? '*' : origin,
    'access-control-allow-headers': 'authorization, content-type, accept',
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-max-age': '600',
    vary: 'origin',
  };
}
