import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../log/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';

/** A route on the gateway's server; adapters (Slack's /slack/events) mount theirs here too. */
export type RouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  /** Values of the path's `:name` segments (`/v1/conversations/:id`), URL-decoded. */
  params: Readonly<Record<string, string>>,
) => void | Promise<void>;

/** A dependency the gateway cannot serve without; /ready reports each by name. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpServer {
  server: Server;
  /** Adds a route, matched on method and path; a `:name` segment matches any one segment. */
  route(method: string, path: string, handler: RouteHandler): void;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 2000;

/** The HTTP server: health, readiness and metrics, plus whatever routes adapters add. */
export function createHttpServer(options: {
  log: Logger;
  metrics: Metrics;
  checks: ReadinessCheck[];
  /** Refreshes gauges that are read at scrape time (queue depth). */
  beforeScrape?: () => Promise<void>;
}): HttpServer {
  const routes = new Map<string, RouteHandler>();
  // Routes with `:name` segments, tried in order after the exact paths.
  const patterns: { method: string; segments: string[]; handler: RouteHandler }[] = [];
  const { log, metrics } = options;

  routes.set('GET /health', (_req, res) => send(res, 200, { status: 'ok' }));
  routes.set('GET /ready', async (_req, res) => {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), READY_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, `unavailable: ${error instanceof Error ? error.message : String(error)}`] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  routes.set('GET /metrics', async (_req, res) => {
    await options.beforeScrape?.().catch((error) => log.warn({ err: error }, 'could not refresh queue metrics'));
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(await metrics.registry.metrics());
  });

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const exact = routes.get(`${req.method} ${path}`);
    const matched = exact ? { handler: exact, params: {} } : matchPattern(patterns, req.method ?? '', path ?? '/');
    if (!matched) return send(res, 404, { error: { code: 'not_found', message: `No route for ${req.method} ${path}` } });
    Promise.resolve()
      .then(() => matched.handler(req, res, matched.params))
      .catch((error) => {
        log.error({ err: error, path }, 'request handler failed');
        if (!res.headersSent) send(res, 500, { error: { code: 'internal', message: 'Internal error' } });
        else res.end();
      });
  });
  // Slack and load balancers reuse connections; keep them a little longer than typical 60 s proxy idle timeouts.
  server.keepAliveTimeout = 65_000;

  return {
    server,
    route: (method, path, handler) => {
      if (path.includes('/:')) patterns.push({ method: method.toUpperCase(), segments: path.split('/'), handler });
      else routes.set(`${method.toUpperCase()} ${path}`, handler);
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function matchPattern(
  patterns: { method: string; segments: string[]; handler: RouteHandler }[],
  method: string,
  path: string,
): { handler: RouteHandler; params: Record<string, string> } | undefined {
  const actual = path.split('/');
  for (const pattern of patterns) {
    if (pattern.method !== method || pattern.segments.length !== actual.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.segments.every((segment, i) => {
      const value = actual[i] ?? '';
      if (!segment.startsWith(':')) return segment === value;
      try {
        params[segment.slice(1)] = decodeURIComponent(value);
      } catch {
        return false; // a malformed %-escape matches nothing
      }
      return value !== '';
    });
    if (ok) return { handler: pattern.handler, params };
  }
  return undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
