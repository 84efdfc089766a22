import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IngressDeps, RunningIngress } from '../../src/domain/adapter.js';
import { Queue } from 'bullmq';
import { INBOUND_QUEUE, type InboundJobData } from '../../src/queue/inbound-queue.js';
import { RelayHub } from '../../src/relay/relay-hub.js';
import { authenticate, type ApiPrincipal } from './api-keys.js';
import { handleChat } from './chat-route.js';
import { requireSignInSecrets, type HttpApiConfig } from './http-config.js';
import { ApiError, bearerToken, checkRateLimit, corsHeaders, sendError, sendJson } from './http-io.js';
import { openApiDocument } from './openapi.js';
import { handleAnswerAction, handleApproval } from './answer-routes.js';
import { deleteConversation, getConversation, getFile } from './resources.js';

/** The API's routes (`:id` as the server matches them); the OpenAPI document must describe exactly these. */
export const HTTP_API_ROUTES = [
  { method: 'POST', path: '/v1/chat' },
  { method: 'GET', path: '/v1/conversations/:id' },
  { method: 'DELETE', path: '/v1/conversations/:id' },
  { method: 'GET', path: '/v1/files/:id' },
  { method: 'GET', path: '/v1/openapi.json' },
  { method: 'POST', path: '/v1/answers/:id/stop' },
  { method: 'POST', path: '/v1/answers/:id/regenerate' },
  { method: 'POST', path: '/v1/answers/:id/feedback' },
  { method: 'POST', path: '/v1/answers/:id/remember' },
  { method: 'POST', path: '/v1/approvals/:id/approve' },
  { method: 'POST', path: '/v1/approvals/:id/deny' },
] as const;

/** The console's static files, served as they are: no build step. */
const CONSOLE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/markdown.js': { file: 'markdown.js', type: 'text/javascript; charset=utf-8' },
};

/**
 * No inline script may run on the console: model output that slipped past the escaping still could not execute.
 * Images only from blob: URLs the console makes of files it downloaded with the key.
 */
const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Mounts /v1/… (and the console) on the gateway's server. */
export async function mountHttpApi(config: HttpApiConfig, deps: IngressDeps): Promise<RunningIngress> {
  const { http, sql, log } = deps;
  // A connection of its own: it is put in subscriber mode.
  const hub = new RelayHub(deps.connectRedis('xiaoliu-http-answers'));
  const chatDeps = { sql, ingress: deps.ingress, hub, prefix: deps.prefix, config };
  // For a deleted conversation's jobs (its messages' copies in Redis).
  const queue = new Queue<InboundJobData>(INBOUND_QUEUE, { connection: deps.redis, prefix: deps.prefix });
  queue.on('error', (error) => log.debug({ err: error }, 'queue connection error'));
  const stores = { sql, redis: deps.redis, prefix: deps.prefix, queue, log };

  /** Auth, rate limit, CORS and JSON errors around every authenticated route. */
  const authed =
    (handler: (req: IncomingMessage, res: ServerResponse, who: ApiPrincipal, id: string, cors: Record<string, string>) => Promise<void>) =>
    async (req: IncomingMessage, res: ServerResponse, params: Readonly<Record<string, string>>) => {
      const cors = corsHeaders(req, config.corsOrigins);
      try {
        const who = await authenticate(sql, bearerToken(req));
        if (!who) throw new ApiError(401, 'unauthorized', 'The API key is not valid (unknown or revoked).', { 'www-authenticate': 'Bearer' });
        await checkRateLimit(deps.redis, deps.prefix, who.keyId, config.rateLimitPerMinute);
        await handler(req, res, who, params.id ?? '', cors);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        // Never the key or the body: only what went wrong.
        log.debug({ status: error.status, code: error.code, path: req.url }, 'API request refused');
        sendError(res, new ApiError(error.status, error.code, error.message, { ...cors, ...error.headers }));
      }
    };

  http.route('POST', '/v1/chat', authed((req, res, who, _id, cors) => handleChat(chatDeps, req, res, who, cors)));
  http.route('GET', '/v1/conversations/:id', authed((_req, res, who, id, cors) => getConversation(sql, res, who, id, cors)));
  http.route('DELETE', '/v1/conversations/:id', authed((_req, res, who, id, cors) => deleteConversation(stores, res, who, id, cors)));
  http.route('GET', '/v1/files/:id', authed((_req, res, who, id, cors) => getFile(sql, res, who, id, cors)));
  const answerDeps = { ...chatDeps, answers: deps.answers };
  for (const verb of ['stop', 'regenerate', 'feedback', 'remember'] as const) {
    http.route('POST', `/v1/answers/:id/${verb}`, authed((req, res, who, id, cors) => handleAnswerAction(answerDeps, verb, req, res, who, id, cors)));
  }
  for (const verb of ['approve', 'deny'] as const) {
    http.route('POST', `/v1/approvals/:id/${verb}`, authed((req, res, who, id, cors) => handleApproval(answerDeps, verb, req, res, who, id, cors)));
  }
  http.route('GET', '/v1/openapi.json', (req, res) => sendJson(res, 200, openApiDocument(), corsHeaders(req, config.corsOrigins)));
  // Browsers ask before a cross-origin call with a key; without configured origins the answer grants nothing.
  for (const path of new Set(HTTP_API_ROUTES.map((r) => r.path))) {
    http.route('OPTIONS', path, (req, res) => {
      res.writeHead(204, corsHeaders(req, config.corsOrigins));
      res.end();
    });
  }

  if (config.console) {
    for (const [path, { file, type }] of Object.entries(CONSOLE_FILES)) {
      const url = new URL(`./console/${file}`, import.meta.url);
      http.route('GET', path, async (_req, res) => {
        const body = await readFile(url);
        res.writeHead(200, { 'content-type': type, 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
        res.end(body);
      });
    }
  }
  if (config.admin) {
    requireSignInSecrets(config.admin);
    const { mountAdminConsole } = await import('./admin/mount-admin-console.js');
    mountAdminConsole(config.admin, deps);
  } else {
    // Said plainly rather than a bare 404, so an operator who opens /admin learns what to set.
    http.route('GET', '/admin', (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The admin console is off: set CONSOLE_PUBLIC_URL and OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (or SLACK_OIDC_*). See the README, "Admin console".\n');
    });
  }
  return {
    async stop() {
      await hub.close();
      await queue.close();
    },
  };
}
