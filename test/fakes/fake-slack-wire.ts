// Wire-level pieces of the fake Slack Web API: request bodies, Slack timestamps, cursors and rate-limit buckets.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Arguments of one Web API call, after the transport encoding is undone (JSON-valued fields parsed). */
export type SlackArgs = Record<string, any>;

/** A file part of a multipart body, kept as bytes. */
export interface UploadedPart {
  filename: string;
  bytes: Buffer;
}

export interface ParsedBody {
  args: SlackArgs;
  /** File parts of a multipart body, by field name. */
  files: Record<string, UploadedPart>;
  /** The body exactly as received (the upload endpoint may get raw bytes). */
  raw: Buffer;
  /** Set when the body could not be decoded; Slack answers `invalid_json` or `invalid_form_data`. */
  error?: string;
}

// WebClient form-encodes every argument and JSON-stringifies arrays and objects; a JSON body carries them natively.
// Slack decodes these fields either way, so the fake does too and handlers see one shape.
const JSON_FIELDS = new Set([
  'attachments',
  'blocks',
  'chunks',
  'files',
  'loading_messages',
  'metadata',
  'prompts',
  'user_auth_blocks',
  'view',
]);

export function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decodeJsonFields(args: SlackArgs): SlackArgs {
  for (const key of Object.keys(args)) {
    const value = args[key];
    if (JSON_FIELDS.has(key) && typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
      } catch {
        // left as text: the handler reports it the way Slack would (invalid_blocks and the like)
      }
    }
  }
  return args;
}

/** Decodes a Web API request the way Slack does: query string, then a urlencoded, JSON or multipart body. */
export async function parseBody(req: IncomingMessage, raw: Buffer): Promise<ParsedBody> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const args: SlackArgs = Object.fromEntries(url.searchParams);
  const files: Record<string, UploadedPart> = {};
  const header = req.headers['content-type'] ?? '';
  const type = header.toLowerCase();
  if (raw.length === 0) return { args: decodeJsonFields(args), files, raw };

  if (type.startsWith('application/json')) {
    try {
      const body: unknown = JSON.parse(raw.toString('utf8'));
      if (body && typeof body === 'object' && !Array.isArray(body)) Object.assign(args, body);
      else return { args, files, raw, error: 'invalid_json' };
    } catch {
      return { args, files, raw, error: 'invalid_json' };
    }
  } else if (type.startsWith('multipart/form-data')) {
    try {
      // Node's own fetch Request parses multipart exactly as fetch's FormData wrote it (boundary case kept).
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': header }, body: raw }).formData();
      for (const [key, value] of form.entries()) {
        if (typeof value === 'string') args[key] = value;
        else files[key] = { filename: value.name, bytes: Buffer.from(await value.arrayBuffer()) };
      }
    } catch {
      return { args, files, raw, error: 'invalid_form_data' };
    }
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(args, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
  }
  return { args: decodeJsonFields(args), files, raw };
}

/** The token a request presents: `Authorization: Bearer …` first, then a `token` argument. */
export function presentedToken(req: IncomingMessage, args: SlackArgs): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  return bearer ?? (typeof args.token === 'string' ? args.token : undefined);
}

/** Slack answers every method with HTTP 200 and `ok`, except rate limits (429) and real transport faults. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

// ---- Slack timestamps ------------------------------------------------------------------------------------------

const MICROS = 1_000_000;
// 'ssssssssss.uuuuuu' as whole microseconds: 1.7e15 is well inside Number's exact integer range.
export const tsToMicros = (ts: string): number => {
  const [s = '0', u = '0'] = ts.split('.');
  return Number(s) * MICROS + Number(u.padEnd(6, '0').slice(0, 6));
};
export const microsToTs = (micros: number): string =>
  `${Math.floor(micros / MICROS)}.${String(micros % MICROS).padStart(6, '0')}`;
export const compareTs = (a: string, b: string): number => tsToMicros(a) - tsToMicros(b);

/**
 * Hands out message timestamps that only ever grow, like Slack's. A message's ts is the Unix time it was posted,
 * with "a sequence that guarantees uniqueness and ordering" after the point
 * (https://github.com/slackhq/slack-api-docs/issues/7, Slack's answer), and `oldest`/`latest` compare it with Unix
 * times (https://docs.slack.dev/reference/methods/conversations.replies): so the clock is the real time, kept unique
 * and increasing. Seeded messages push it forward so a new reply always sorts after the history it answers.
 */
export class TsClock {
  private last = 1_700_000_000 * MICROS;
  next(): string {
    this.last = Math.max(this.last + 100, Date.now() * 1000);
    return microsToTs(this.last);
  }
  observe(ts: string): void {
    this.last = Math.max(this.last, tsToMicros(ts));
  }
}

// Slack cursors are opaque base64 strings such as 'bmV4dF90czoxNTEy…' ('next_ts:1512…'); the fake uses that shape.
export const encodeCursor = (ts: string): string => Buffer.from(`next_ts:${ts}`).toString('base64');
export function decodeCursor(cursor: string): string | undefined {
  const match = /^next_ts:(\d+\.\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match?.[1];
}

// ---- Rate limits -------------------------------------------------------------------------------------------------

/** Seconds to put in Retry-After: whole seconds, at least 1, as Slack sends it. */
const retrySeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Per-key token bucket: `perSecond` tokens a second, holding at most `burst`. Slack documents chat.postMessage as
 * "1 per second per channel, short bursts allowed"; a bucket gives exactly that shape.
 */
export class TokenBucket {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}
  /** Takes a token and returns undefined, or returns the Retry-After seconds without taking one. */
  take(key: string, now = Date.now()): number | undefined {
    const wait = this.peek(key, now);
    if (wait === undefined) this.buckets.get(key)!.tokens -= 1;
    return wait;
  }
  /** Like take, but never takes: undefined when a token is there. */
  peek(key: string, now = Date.now()): number | undefined {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    return b.tokens >= 1 ? undefined : retrySeconds(((1 - b.tokens) / this.perSecond) * 1000);
  }
}

/** Per-key sliding window: at most `limit` calls in any `windowMs` (Slack's tier limits are "N per minute"). */
export class SlidingWindow {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
  ) {}
  take(key: string, now = Date.now()): number | undefined {
    const wait = this.peek(key, now);
    if (wait === undefined) this.hits.get(key)!.push(now);
    return wait;
  }
  /** Like take, but never counts the call: undefined when it would be allowed. */
  peek(key: string, now = Date.now()): number | undefined {
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    this.hits.set(key, recent);
    return recent.length < this.limit ? undefined : retrySeconds(recent[0]! + this.windowMs - now);
  }
}
