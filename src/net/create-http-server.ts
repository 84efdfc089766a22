import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../log/create-logger.js';

/** A route on the gateway's server; adapters (Slack's /slack/events) mount theirs here too. */
export type RouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  /** Values of the path's `:name` segments (`/v1/conversations/:id`), URL-decoded. */
  params: Readonly<Record<string, string>>,
) => void | Promise<void>;

export interface HttpServer {
  server: Server;
  /** Adds a route, matched on method and path; a `:name` segment matches any one segment. */
  route(method: string, path: string, handler: RouteHandler): void;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * An HTTP server: GET /health (liveness) plus whatever routes are added. Each process has two (src/app/start-app.ts):
 * the public one, where adapters mount theirs, and the operator's, with /metrics and /ready (src/net/operator-routes.ts).
 */
export function createHttpServer(options: { log: Logger }): HttpServer {
  const routes = new Map<string, RouteHandler>();
  // Routes with `:name` segments, tried in order after the exact paths.
  const patterns: { method: string; segments: string[]; handler: RouteHandler }[] = [];
  const { log } = options;

  routes.set('GET /health', (_req, res) => send(res, 200, { status: 'ok' }));

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

export function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
