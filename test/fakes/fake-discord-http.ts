// The REST front door: body parsing (JSON or multipart), /api/v10 routing, bot-token auth, rate limits, recording.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, type RestRequest, type Route } from './fake-discord-messages.js';
import type { ReceivedFile } from './fake-discord-model.js';
import type { RateLimiter } from './fake-discord-ratelimit.js';

/** One REST request the fake received, with the status it answered. */
export interface FakeCall {
  method: string;
  /** Below /api/v10, e.g. `/channels/123/messages`. */
  path: string;
  query: Record<string, string>;
  body: any;
  files: { field: string; name: string; contentType: string; size: number }[];
  authorized: boolean;
  status: number;
  at: number;
}

export interface RestHandlerDeps {
  routes: Route[];
  limiter: RateLimiter;
  token: string;
  origin: string;
  calls: FakeCall[];
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** JSON, or multipart with `payload_json` + `files[n]` as @discordjs/rest sends attachments. */
async function parseBody(req: IncomingMessage, raw: Buffer): Promise<{ body: any; files: ReceivedFile[] }> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: ReceivedFile[] = [];
    let body: any = {};
    for (const [field, value] of form) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
        else body[field] = value;
      } else {
        const data = Buffer.from(await value.arrayBuffer());
        files.push({ field, name: value.name, contentType: value.type || 'application/octet-stream', data });
      }
    }
    return { body, files };
  }
  const text = raw.toString('utf8');
  try {
    return { body: JSON.parse(text), files: [] };
  } catch {
    return { body: text, files: [] };
  }
}

/** The `request` listener of the fake's HTTP server. */
export function createRestHandler(deps: RestHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `fake-discord error: ${String(err)}`, code: 0 }));
    });
  };
}

async function handle(deps: RestHandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { routes, limiter, token, origin, calls } = deps;
  const url = new URL(req.url ?? '/', origin);
  const method = (req.method ?? 'GET').toUpperCase();
  const { body, files } = await parseBody(req, await readBody(req));
  const versioned = /^\/api\/v(\d+)(\/.*)$/.exec(url.pathname);
  // Routes from discord-api-types percent-encode arguments such as '@me' / '@original' ('%40me').
  const path = (versioned?.[2] ?? url.pathname).split('/').map(decodeSegment).join('/');
  const authorized = req.headers.authorization === `Bot ${token}`;
  const call: FakeCall = {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    body,
    files: files.map((f) => ({ field: f.field, name: f.name, contentType: f.contentType, size: f.data.length })),
    authorized,
    status: 0,
    at: Date.now(),
  };
  calls.push(call);
  const after: (() => void)[] = [];
  const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
    call.status = status;
    const text = status === 204 || payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(text);
    for (const fn of after) setImmediate(fn);
  };
  if (!versioned) return send(404, { message: '404: Not Found', code: 0 });
  if (versioned[1] !== '10') return send(400, { message: 'Invalid API version', code: 50041 });

  let params: string[] = [];
  const route = routes.find((r) => {
    const m = r.method === method ? r.pattern.exec(path) : null;
    if (m) params = m.slice(1);
    return m !== null;
  });
  if (!route) return send(404, { message: '404: Not Found', code: 0 });

  // Every answer on a real route, errors included, carries its bucket's headers.
  const verdict = limiter.check(method, path, req.headers.authorization);
  if (verdict.limited) {
    const { retryAfterSeconds, scope } = verdict.limited;
    const retry_after = Number(retryAfterSeconds.toFixed(3));
    return send(429, { message: 'You are being rate limited.', retry_after, global: scope === 'global' }, verdict.headers);
  }
  if (route.auth && !authorized) return send(401, { message: '401: Unauthorized', code: 0 }, verdict.headers);
  const request: RestRequest = { method, path, params, query: url.searchParams, body, files, later: (fn) => after.push(fn) };
  try {
    const result = await route.handle(request);
    send(result.status, result.body, verdict.headers);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    after.length = 0; // a failed request has no gateway side effects
    send(err.status, { message: err.message, code: err.code, ...(err.errors ? { errors: err.errors } : {}) }, verdict.headers);
  }
}
