// A fake Anthropic Messages API speaking the real wire protocol, so the real SDK can be driven offline.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  PromptCache,
  defaultMessageFor,
  deltaFor,
  errorBody,
  errorTypeFor,
  lastUserText,
  messageObject,
  newId,
  sse,
  statusFor,
  textBlock,
  toolUseBlock,
  type InputUsage,
  type PlannedBlock,
} from './fake-anthropic-wire.js';
import { listenLocal } from './listen-local.js';

export type FakeReply =
  | { kind: 'text'; text: string }
  | { kind: 'tool_use'; name: string; input: unknown; text?: string }
  | { kind: 'status'; status: number; errorType?: string; message?: string; retryAfterSeconds?: number; shouldRetry?: boolean }
  | { kind: 'midstream-error'; textBefore: string; errorType?: string; message?: string }
  | { kind: 'disconnect'; textBefore: string }
  /** Streams textBefore, then goes silent with the connection open (a hung proxy), until the client gives up. */
  | { kind: 'stall'; textBefore: string };

export interface CapturedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text when the body was not JSON. */
  body: any;
  at: number;
}

export type ReplyFn = (req: CapturedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeAnthropicOptions {
  host?: string;
  port?: number;
  apiKey?: string;
  firstTokenDelayMs?: number;
  tokensPerSecond?: number;
  reply?: ReplyFn;
}

export interface FakeAnthropic {
  url: string;
  requests: CapturedRequest[];
  enqueue(...replies: FakeReply[]): void;
  setReply(fn: ReplyFn): void;
  setTiming(t: { firstTokenDelayMs?: number; tokensPerSecond?: number }): void;
  activeStreams(): number;
  close(): Promise<void>;
}

export const echoReply: ReplyFn = (req) => ({ kind: 'text', text: `Echo: ${lastUserText(req.body)}` });

// Coalescing every token due within this window into one delta keeps a thousand slow streams cheap.
const TICK_MS = 20;

type Timing = { firstTokenDelayMs: number; tokensPerSecond: number };
/** Per response: whether the connection is gone, and how to cancel its pending timer. */
type Life = { closed: boolean; stop: () => void };
type ContentReply = Exclude<FakeReply, { kind: 'status' }>;

function sendError(res: ServerResponse, status: number, type: string, message: string, extra: Record<string, string> = {}) {
  const requestId = newId('req_fake_');
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...extra });
  res.end(JSON.stringify(errorBody(type, message, requestId)));
}

function planOf(reply: ContentReply): { blocks: PlannedBlock[]; stopReason: string } {
  if (reply.kind === 'tool_use') {
    const tool = toolUseBlock(reply.name, reply.input);
    return { blocks: reply.text ? [textBlock(reply.text), tool] : [tool], stopReason: 'tool_use' };
  }
  return { blocks: [textBlock(reply.kind === 'text' ? reply.text : reply.textBefore)], stopReason: 'end_turn' };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function presentedKey(headers: IncomingMessage['headers']): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
  const xApiKey = headers['x-api-key'];
  return bearer ?? (Array.isArray(xApiKey) ? xApiKey[0] : xApiKey);
}

function validationError(body: any): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'body: Input should be a valid JSON object';
  for (const field of ['model', 'messages', 'max_tokens']) {
    if (body[field] === undefined || body[field] === null) return `${field}: Field required`;
  }
  if (!Array.isArray(body.messages)) return 'messages: Input should be a valid list';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Input should be a valid integer';
  return undefined;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const requests: CapturedRequest[] = [];
  const queue: FakeReply[] = [];
  const cache = new PromptCache();
  const timing: Timing = { firstTokenDelayMs: options.firstTokenDelayMs ?? 0, tokensPerSecond: options.tokensPerSecond ?? 0 };
  let replyFn: ReplyFn = options.reply ?? echoReply;
  let open = 0;

  async function handle(req: IncomingMessage, res: ServerResponse, life: Life) {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const raw = await readBody(req);
    if (req.method !== 'POST' || path !== '/v1/messages') {
      return sendError(res, 404, 'not_found_error', `Not found: ${req.method} ${path}`);
    }
    let body: any = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // kept as text so a test can still see what was sent
    }
    const captured: CapturedRequest = { headers: req.headers, body, at: Date.now() };
    requests.push(captured);

    if (options.apiKey !== undefined && presentedKey(req.headers) !== options.apiKey) {
      return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    }
    const invalid = typeof body === 'string' ? 'body: There was an error parsing the body as JSON' : validationError(body);
    if (invalid) return sendError(res, 400, 'invalid_request_error', invalid);

    const reply = queue.shift() ?? (await replyFn(captured));
    if (life.closed) return;
    if (reply.kind === 'status') {
      const type = reply.errorType ?? errorTypeFor(reply.status);
      const extra: Record<string, string> = {};
      if (reply.retryAfterSeconds !== undefined) extra['retry-after'] = String(reply.retryAfterSeconds);
      if (reply.shouldRetry !== undefined) extra['x-should-retry'] = String(reply.shouldRetry);
      return sendError(res, reply.status, type, reply.message ?? defaultMessageFor(type), extra);
    }
    const usage = cache.usageFor(body);
    const t = { ...timing };
    if (body.stream === true) streamReply(res, body.model, reply, usage, t, life);
    else jsonReply(res, body.model, reply, usage, t, life);
  }

  const server = createServer((req, res) => {
    open++;
    const life: Life = { closed: false, stop: () => {} };
    // 'close' fires on a normal end too; a timer still pending then means the client went away.
    res.on('close', () => {
      open--;
      life.closed = true;
      life.stop();
    });
    handle(req, res, life).catch((err: unknown) => {
      if (life.closed) return;
      if (!res.headersSent) sendError(res, 500, 'api_error', `fake server error: ${String(err)}`);
      else res.destroy();
    });
  });

  const origin = await listenLocal(server, options);

  return {
    url: origin,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    setReply: (fn) => void (replyFn = fn),
    setTiming: (t) => void Object.assign(timing, Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined))),
    activeStreams: () => open,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Responses see their sockets close a tick later; wait so activeStreams() reads 0 once close() resolves.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

function jsonReply(
  res: ServerResponse,
  model: unknown,
  reply: ContentReply,
  usage: InputUsage,
  t: Timing,
  life: Life,
) {
  const { blocks, stopReason } = planOf(reply);
  const tokens = blocks.reduce((n, b) => n + b.pieces.length, 0);
  // Without a stream the client sees nothing until the whole reply would have been generated.
  const delay = t.firstTokenDelayMs + (t.tokensPerSecond > 0 ? (tokens * 1000) / t.tokensPerSecond : 0);
  const timer = setTimeout(() => {
    if (reply.kind === 'disconnect') return res.socket?.destroy();
    if (reply.kind === 'stall') return;
    if (reply.kind === 'midstream-error') {
      const type = reply.errorType ?? 'overloaded_error';
      return sendError(res, statusFor(type), type, reply.message ?? defaultMessageFor(type));
    }
    const message = messageObject(newId('msg_fake_'), model, blocks.map((b) => b.final), stopReason, usage, tokens);
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': newId('req_fake_') });
    res.end(JSON.stringify(message));
  }, delay);
  life.stop = () => clearTimeout(timer);
}

function streamReply(
  res: ServerResponse,
  model: unknown,
  reply: ContentReply,
  usage: InputUsage,
  t: Timing,
  life: Life,
) {
  const { blocks, stopReason } = planOf(reply);
  const pieces = blocks.flatMap((b, index) => b.pieces.map((text) => ({ index, text })));
  const requestId = newId('req_fake_');
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId });

  let openBlock = 0;
  const moveTo = (index: number): string => {
    let out = '';
    for (; openBlock < index; openBlock++) {
      out += sse('content_block_stop', { type: 'content_block_stop', index: openBlock });
      out += sse('content_block_start', { type: 'content_block_start', index: openBlock + 1, content_block: blocks[openBlock + 1]!.start });
    }
    return out;
  };

  const start = messageObject(newId('msg_fake_'), model, [], null, usage, 1);
  res.write(
    sse('message_start', { type: 'message_start', message: start }) +
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: blocks[0]!.start }) +
      sse('ping', { type: 'ping' }),
  );

  const t0 = Date.now() + t.firstTokenDelayMs;
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = Date.now();
    const due = t.tokensPerSecond > 0 ? Math.min(pieces.length, Math.floor(((now - t0) * t.tokensPerSecond) / 1000) + 1) : pieces.length;
    let out = '';
    while (next < due) {
      const { index } = pieces[next]!;
      let joined = '';
      for (; next < due && pieces[next]!.index === index; next++) joined += pieces[next]!.text;
      out += moveTo(index) + sse('content_block_delta', { type: 'content_block_delta', index, delta: deltaFor(blocks[index]!, joined) });
    }
    if (next < pieces.length) {
      if (out) res.write(out);
      timer = setTimeout(tick, Math.max(TICK_MS, t0 + (next * 1000) / t.tokensPerSecond - now));
      return;
    }
    timer = undefined;
    if (reply.kind === 'stall') {
      if (out) res.write(out);
      return;
    }
    if (reply.kind === 'disconnect') {
      if (out) res.write(out, () => res.socket?.destroy());
      else res.socket?.destroy();
      return;
    }
    if (reply.kind === 'midstream-error') {
      const type = reply.errorType ?? 'overloaded_error';
      return void res.end(out + sse('error', errorBody(type, reply.message ?? defaultMessageFor(type), requestId)));
    }
    const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = usage;
    res.end(
      out +
        moveTo(blocks.length - 1) +
        sse('content_block_stop', { type: 'content_block_stop', index: openBlock }) +
        sse('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: null, stop_details: null, container: null },
          usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens: pieces.length },
        }) +
        sse('message_stop', { type: 'message_stop' }),
    );
  };
  timer = setTimeout(tick, t.firstTokenDelayMs);
  life.stop = () => clearTimeout(timer);
}
