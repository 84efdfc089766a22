// A fake Slack Web API on node:http that the real @slack/web-api WebClient (and Bolt's App) can be pointed at with
// `slackApiUrl: fake.apiUrl`, so Slack code can be tested offline against Slack's wire behaviour, rate limits included.
// Socket Mode (apps.connections.open and its WebSocket) is served on the same port; see fake-slack-socket.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FakeSlackFiles, type FileDownload, type FileRequest, type HostedFile } from './fake-slack-files.js';
import { methods, type SlackReply } from './fake-slack-methods.js';
import { FakeSocketMode, type SocketModeApi, type SocketModeOptions } from './fake-slack-socket.js';
import {
  SlackState,
  type EphemeralRecord,
  type PromptsRecord,
  type SeedMessage,
  type SeedChannel,
  type SeedUser,
  type SlackMessage,
  type StatusRecord,
  type TitleRecord,
  type UploadRecord,
  type ViewRecord,
} from './fake-slack-state.js';
import { historyRateLimits, type SlackAppClass } from './fake-slack-history.js';
import { SlackRateLimits, type SlackRateOptions } from './fake-slack-tiers.js';
import { parseBody, presentedToken, readRaw, sendJson, type SlackArgs } from './fake-slack-wire.js';
import { listenLocal } from './listen-local.js';
import { manifestBotScopes } from './slack-manifest-scopes.js';

export type { EphemeralRecord, PromptsRecord, SeedMessage, SeedUser, SlackMessage, StatusRecord, TitleRecord, UploadRecord };
export type { SlackArgs };
export type { FileDownload, FileRequest, HostedFile };
export type { SendSocketEventOptions, SocketAck, SocketEnvelope, SocketEnvelopeType } from './fake-slack-socket.js';

export interface FakeSlackOptions extends SocketModeOptions, SlackRateOptions {
  host?: string;
  port?: number;
  /** When set, Web API calls (apps.connections.open aside) must present it (Bearer or `token` arg), else `invalid_auth`. */
  botToken?: string;
  botUserId?: string; // 'UBOT'
  botId?: string; // 'BBOT'
  teamId?: string; // 'T0FAKE'
  /**
   * The workspace a channel belongs to, when the app reaches more than one with its token (installed org-wide on an
   * Enterprise organization): limits count "per API method per workspace/team per app"
   * (https://docs.slack.dev/apis/web-api/rate-limits), so each workspace's calls are counted on their own. Default:
   * every channel is in `teamId`.
   */
  teamOf?: (channel: string) => string | undefined;
  teamName?: string; // 'Fake Workspace'
  appId?: string; // 'A0FAKE'
  /**
   * Slack's automatic limits (default true): per method per workspace by tier, and chat.postMessage per channel and
   * per workspace (fake-slack-tiers.ts, options in SlackRateOptions). Forced ones (`rateLimitNext`) always apply.
   */
  enforceRateLimits?: boolean;
  /** A native stream closes this long after chat.startStream (default 5 min, as Slack's do). */
  streamLifetimeMs?: number;
  /** Keep every look of every message, for `seenOverTime` (default false: benchmarks make thousands of answers). */
  recordLooks?: boolean;
  /** An Enterprise Grid workspace: every file's `url_private` redirects to another Slack file host (fake-slack-files.ts). */
  enterpriseGrid?: boolean;
  /**
   * The app's class, which sets the limits of conversations.replies and conversations.history (default 'internal':
   * Tier 3; 'non-marketplace': 1 call a minute, at most 15 messages a call; fake-slack-history.ts).
   */
  appClass?: SlackAppClass;
  /**
   * The bot token's scopes, sent on every Web API response in `x-oauth-scopes` (the header @slack/web-api reads into
   * `response_metadata.scopes`; https://api.slack.com/methods/auth.test). Default: those adapters/slack/manifest.yml
   * asks for, as an app created from it and installed has.
   */
  scopes?: string[];
}

export interface SlackCall {
  /** Web API method, or 'upload' for bytes POSTed to an upload URL. */
  method: string;
  /** Arguments as decoded (JSON-valued fields such as blocks/chunks/files parsed). */
  args: SlackArgs;
  at: number;
  /** HTTP status served: 200, or 429 when rate limited, or a forced status. */
  status: number;
  ok: boolean;
  error?: string;
}

/** What `waitFor` resolves with: `check(...) && value` patterns drop their falsy side. */
export type Truthy<T> = Exclude<T, null | undefined | false | 0 | ''>;

/** One POST to a `responseUrl()` (Bolt's `respond()`), its JSON body decoded. */
export interface ResponseUrlPost {
  id: string;
  body: any;
  at: number;
}

/** A platform error code (HTTP 200, ok:false), or a bare HTTP status (e.g. 503) with an optional body. */
export type ForcedFailure = string | { status: number; body?: string };

export interface FakeSlack extends SocketModeApi {
  /** http://127.0.0.1:PORT — upload URLs live under it. */
  url: string;
  /** http://127.0.0.1:PORT/api/ — give this to WebClient / Bolt as `slackApiUrl`. */
  apiUrl: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** Current messages (after edits, streams and deletes) of a channel, or of one thread with the parent first. */
  messages(channel: string, threadTs?: string): SlackMessage[];
  /**
   * What person `userId` sees of a message now, in Slack's client: its blocks in place of its text, and an open
   * native stream addressed to someone else as a placeholder (fake-slack-views.ts).
   */
  seenBy(channel: string, ts: string, userId: string): string | undefined;
  /** Everything `userId` saw of a message as it changed, each look once (needs `recordLooks`). */
  seenOverTime(channel: string, ts: string, userId: string): string[];
  ephemerals: EphemeralRecord[];
  /** Modals opened and App Home tabs published. */
  views: ViewRecord[];
  /** Completed uploads (files.completeUploadExternal), with their bytes. */
  uploads: UploadRecord[];
  /** Every assistant.threads.setStatus call, in order. */
  statuses: StatusRecord[];
  titles: TitleRecord[];
  suggestedPrompts: PromptsRecord[];
  /** The emoji names Xiaoliu's reactions on a message show now. */
  reactionsOn(channel: string, ts: string): string[];
  /** The assistant status showing in a thread now: Slack clears it when the app posts there. */
  statusOf(channel: string, threadTs: string): string | undefined;
  /** A response_url to put in a slash command or interaction; what the app POSTs to it lands in `responses`. */
  responseUrl(id?: string): string;
  responses: ResponseUrlPost[];
  /** Number of 429 responses served so far. */
  readonly count429: number;
  seedMessage(message: SeedMessage): void;
  seedUser(user: SeedUser): void;
  /** A channel conversations.info knows, public unless `is_private`. */
  seedChannel(channel: SeedChannel): void;
  /** The next `times` calls to `method` get HTTP 429 with `Retry-After: retryAfterSeconds` (default 1). */
  rateLimitNext(method: string, times?: number, retryAfterSeconds?: number): void;
  /** The next `times` calls to `method` fail with this error code (or HTTP status). */
  failNext(method: string, failure: ForcedFailure, times?: number): void;
  /**
   * The next `times` calls to `method` take effect (a post is made) and are then answered with this HTTP status, as
   * when Slack's edge fails after the backend did the work: the client cannot tell whether it happened.
   */
  failAfterNext(method: string, status: number, times?: number): void;
  setEnforceRateLimits(enforce: boolean): void;
  /**
   * Hosts a file someone shared, as Slack's file hosts do: GET `url_private_download` (or `url_private`, which
   * redirects PDFs to another Slack file host) with the bot token gets the bytes; without it Slack answers its
   * sign-in page (HTML, 200). `size` defaults to the real length. See fake-slack-files.ts.
   */
  hostFile(file: { name: string; mimetype?: string; content: Buffer | string; size?: number }): HostedFile;
  /** Every request answered with a hosted file (or the sign-in page), and whether it presented the bot token. */
  fileDownloads: FileDownload[];
  /** Every request to a file URL, redirects included. */
  fileRequests: FileRequest[];
  /** Resolves with the first truthy `check(fake)`, polling; rejects after `timeoutMs` (default 5000). */
  waitFor<T>(check: (fake: FakeSlack) => T, timeoutMs?: number): Promise<Truthy<T>>;
  close(): Promise<void>;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const state = new SlackState({
    userId: options.botUserId ?? 'UBOT',
    botId: options.botId ?? 'BBOT',
    appId: options.appId ?? 'A0FAKE',
    teamId: options.teamId ?? 'T0FAKE',
  }, options.recordLooks ?? false);
  const calls: SlackCall[] = [];
  const responses: ResponseUrlPost[] = [];
  const forced429 = new Map<string, number[]>();
  const forcedFailures = new Map<string, ForcedFailure[]>();
  const failuresAfter = new Map<string, number[]>();
  const appClass = options.appClass ?? 'internal';
  const limits = new SlackRateLimits({ ...options, methodLimits: { ...historyRateLimits(appClass), ...options.methodLimits } });
  let enforce = options.enforceRateLimits ?? true;
  let served429 = 0;
  let baseUrl = '';

  const record = (method: string, args: SlackArgs): SlackCall => {
    const call: SlackCall = { method, args, at: Date.now(), status: 200, ok: true };
    calls.push(call);
    return call;
  };
  const scopes = { 'x-oauth-scopes': (options.scopes ?? manifestBotScopes()).join(',') };
  const reply = (res: ServerResponse, call: SlackCall, body: SlackReply, status = 200, headers: Record<string, string> = {}) => {
    call.status = status;
    call.ok = body.ok;
    if (!body.ok) call.error = body.error;
    sendJson(res, status, body, call.method === 'apps.connections.open' ? headers : { ...scopes, ...headers });
  };
  const rateLimited = (res: ServerResponse, call: SlackCall, retryAfter: number) => {
    served429 += 1;
    reply(res, call, { ok: false, error: 'ratelimited' }, 429, { 'retry-after': String(retryAfter) });
  };

  /** Seconds to wait if this call is over an automatic limit; consumes quota only when allowed. */
  function automaticLimit(method: string, args: SlackArgs): number | undefined {
    if (!enforce) return undefined;
    const channel = typeof args.channel === 'string' ? args.channel : '';
    // Every client of the app presents the same bot token, so all of them count against the channel's workspace.
    return limits.take(method, options.teamOf?.(channel) ?? state.bot.teamId, channel);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string) {
    const parsed = await parseBody(req, await readRaw(req));
    const call = record(method, parsed.args);
    if (parsed.error) return reply(res, call, { ok: false, error: parsed.error });
    // apps.connections.open takes the app-level token (xapp-…) and nothing else; every other method the bot token.
    const token = presentedToken(req, parsed.args);
    const appLevel = method === 'apps.connections.open';
    if (appLevel && token !== undefined && !token.startsWith('xapp-')) {
      return reply(res, call, { ok: false, error: 'not_allowed_token_type' });
    }
    const required = appLevel ? options.appToken : options.botToken;
    if (required !== undefined && token !== required) return reply(res, call, { ok: false, error: 'invalid_auth' });
    const queued429 = forced429.get(method);
    if (queued429?.length) return rateLimited(res, call, queued429.shift()!);
    const failure = forcedFailures.get(method)?.shift();
    if (typeof failure === 'string') return reply(res, call, { ok: false, error: failure });
    if (failure) {
      call.status = failure.status;
      call.ok = false;
      res.writeHead(failure.status, { 'content-type': 'text/plain' });
      return void res.end(failure.body ?? '');
    }
    const handler = methods[method];
    if (!handler) return reply(res, call, { ok: false, error: 'unknown_method' });
    const wait = automaticLimit(method, parsed.args);
    if (wait !== undefined) return rateLimited(res, call, wait);
    const streamLifetimeMs = options.streamLifetimeMs ?? 5 * 60_000;
    const teamName = options.teamName ?? 'Fake Workspace';
    const result = handler(parsed.args, { state, baseUrl, teamName, streamLifetimeMs, appClass, socketUrl: () => socket.openUrl() });
    const failAfter = failuresAfter.get(method)?.shift();
    if (failAfter !== undefined) {
      call.status = failAfter;
      call.ok = false;
      res.writeHead(failAfter, { 'content-type': 'text/plain' });
      return void res.end('upstream error');
    }
    reply(res, call, result);
  }

  // The upload URL from files.getUploadURLExternal. WebClient POSTs the bytes as multipart (one file field named
  // "body"); other clients send them raw. Slack answers 200 with a short text body.
  async function handleUpload(req: IncomingMessage, res: ServerResponse, fileId: string) {
    const raw = await readRaw(req);
    const pending = state.pendingUploads.get(fileId);
    const call = record('upload', { file_id: fileId });
    if (!pending) {
      call.status = 404;
      call.ok = false;
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('file not found');
    }
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    let bytes = raw;
    if (type.startsWith('multipart/form-data')) {
      const parts = (await parseBody(req, raw)).files;
      const part = parts.file ?? parts.body ?? Object.values(parts)[0];
      bytes = part?.bytes ?? Buffer.alloc(0);
    }
    pending.bytes = bytes;
    call.args = { file_id: fileId, filename: pending.filename, length: bytes.length };
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${bytes.length}`);
  }

  // A response_url: Bolt's respond() POSTs JSON here; Slack answers 200.
  async function handleRespond(req: IncomingMessage, res: ServerResponse, id: string) {
    const raw = (await readRaw(req)).toString('utf8');
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // kept as text so a test can see what was sent
    }
    responses.push({ id, body, at: Date.now() });
    sendJson(res, 200, { ok: true });
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (files.handle(req, res, path)) return;
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    const upload = /^\/upload\/([A-Za-z0-9]+)$/.exec(path);
    const respond = /^\/respond\/([^/]+)$/.exec(path);
    const post = req.method === 'POST';
    const work = api && (post || req.method === 'GET')
      ? handleApi(req, res, api[1]!)
      : upload && post
        ? handleUpload(req, res, upload[1]!)
        : respond && post
          ? handleRespond(req, res, decodeURIComponent(respond[1]!))
          : undefined;
    if (!work) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end(`fake slack: no route for ${req.method} ${path}`);
    }
    work.catch((err: unknown) => {
      // A fake bug must fail fast: HTTP 200 + ok:false stops WebClient, whereas a 5xx would be retried for minutes.
      if (!res.headersSent) sendJson(res, 200, { ok: false, error: 'fatal_error', detail: String(err) });
      else res.destroy();
    });
  });

  const files = new FakeSlackFiles(() => baseUrl, {
    teamId: options.teamId ?? 'T0FAKE',
    ...(options.botToken !== undefined ? { botToken: options.botToken } : {}),
    ...(options.enterpriseGrid ? { enterpriseGrid: true } : {}),
  });
  baseUrl = await listenLocal(server, options);
  const socket = new FakeSocketMode(server, baseUrl.replace(/^http/, 'ws'), options.appId ?? 'A0FAKE', options);

  const fake: FakeSlack = {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages: (channel, threadTs) => state.list(channel, threadTs).map((m) => ({ ...m })),
    seenBy: (channel, ts, userId) => state.seenBy(channel, ts, userId),
    seenOverTime: (channel, ts, userId) => state.seenOverTime(channel, ts, userId),
    ephemerals: state.ephemerals,
    views: state.views,
    uploads: state.uploads,
    statuses: state.statuses,
    titles: state.titles,
    suggestedPrompts: state.suggestedPrompts,
    responseUrl: (id = 'default') => `${baseUrl}/respond/${encodeURIComponent(id)}`,
    responses,
    reactionsOn: (channel, ts) => [...(state.reactions.get(`${channel} ${ts}`) ?? new Map<string, Set<string>>())].filter(([, users]) => users.has(state.bot.userId)).map(([name]) => name),
    statusOf: (channel, threadTs) => state.currentStatus.get(`${channel} ${threadTs}`),
    get count429() {
      return served429;
    },
    seedMessage: (message) => void state.seed(message),
    seedUser: (user) => void state.users.set(user.id, user),
    seedChannel: (channel) => void state.channels.set(channel.id, channel),
    rateLimitNext: (method, times = 1, retryAfterSeconds = 1) => {
      const queue = forced429.get(method) ?? [];
      // Whole seconds like Slack; 0 is allowed here only so a test can skip the wait on purpose.
      for (let i = 0; i < times; i++) queue.push(Math.max(0, Math.ceil(retryAfterSeconds)));
      forced429.set(method, queue);
    },
    failNext: (method, failure, times = 1) => {
      const queue = forcedFailures.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(failure);
      forcedFailures.set(method, queue);
    },
    failAfterNext: (method, status, times = 1) => {
      const queue = failuresAfter.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(status);
      failuresAfter.set(method, queue);
    },
    setEnforceRateLimits: (on) => void (enforce = on),
    hostFile: (file) => files.host(file),
    fileDownloads: files.downloads,
    fileRequests: files.requests,
    get socketConnections() {
      return socket.socketConnections;
    },
    socketAcks: socket.socketAcks,
    socketDeliveries: socket.socketDeliveries,
    sendSocketEvent: (payload, type, opts) => socket.sendSocketEvent(payload, type, opts),
    disconnectSockets: (reason) => socket.disconnectSockets(reason),
    waitFor: async (check, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = check(fake);
        if (value) return value as Truthy<typeof value>;
        if (Date.now() > deadline) throw new Error(`fake slack: condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        socket.close(); // upgraded sockets are no longer the HTTP server's, so closeAllConnections misses them
        server.close(() => resolve());
        // fetch keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      }),
  };
  return fake;
}
