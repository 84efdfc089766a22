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
  signedModel,
  sse,
  statusFor,
  textBlock,
  thinkingBlock,
  tokenize,
  toolUseBlock,
  type InputUsage,
  type PlannedBlock,
} from './fake-anthropic-wire.js';
import { fakeModelOf, refusalFor, thinkingOf, type FakeModel } from './fake-anthropic-models.js';
import { DEFAULT_RATE_LIMITS, fakeModelInfo, rateLimitHeaders } from './fake-anthropic-models-api.js';
import { FakeRequestLimit } from './fake-anthropic-request-limit.js';
import { contentProblem } from './fake-anthropic-content.js';
import { planWeb, type ServerToolCounts, type WebReply } from './fake-anthropic-web.js';
import { listenLocal } from './listen-local.js';

export type FakeReply =
  | { kind: 'text'; text: string }
  /**
   * A tool call (or, when the request asks for `output_config.format`, the same object as the structured answer).
   * `pauseMs`: after the first piece of the input the stream carries only pings for this long, as the API does while
   * the model works on the next key ("one complete key and value at a time":
   * https://platform.claude.com/docs/en/build-with-claude/streaming).
   */
  | { kind: 'tool_use'; name: string; input: unknown; text?: string; pauseMs?: number }
  | { kind: 'status'; status: number; errorType?: string; message?: string; retryAfterSeconds?: number; shouldRetry?: boolean; errorCode?: string }
  | { kind: 'midstream-error'; textBefore: string; errorType?: string; message?: string }
  | { kind: 'disconnect'; textBefore: string }
  /** Streams textBefore, then goes silent with the connection open (a hung proxy), until the client gives up. */
  | { kind: 'stall'; textBefore: string }
  /**
   * Streams textBefore, then only pings until `resume` settles (the test decides how long the model works on), then
   * textAfter and a normal end. The API sends `ping` events "any number" of times while a response is under way:
   * https://platform.claude.com/docs/en/build-with-claude/streaming#event-types
   */
  | { kind: 'paused'; textBefore: string; textAfter: string; resume: Promise<void> }
  /** Web searches and fetches run by the "API", then an answer citing them, or a `pause_turn` (fake-anthropic-web.ts). */
  | WebReply;

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
  /**
   * Thinking tokens a model spends before answering, by effort. The amounts are the fake's own (the API documents
   * none); what is documented is that they are output tokens and count against max_tokens.
   */
  thinkingTokens?: Partial<Record<string, number>>;
  /** How often a silent stream carries a `ping` (the API sends "any number"; no interval is documented). */
  pingIntervalMs?: number;
  /** Enforce an organisation's requests-per-minute limit (429 past it); unset, requests are never limited. */
  requestsPerMinute?: number;
}

const THINKING_TOKENS: Record<string, number> = { low: 0, medium: 300, high: 1_000, xhigh: 3_000, max: 6_000 };

export interface FakeAnthropic {
  url: string;
  requests: CapturedRequest[];
  enqueue(...replies: FakeReply[]): void;
  setReply(fn: ReplyFn): void;
  setTiming(t: { firstTokenDelayMs?: number; tokensPerSecond?: number }): void;
  /** Changes how many thinking tokens each effort costs, from now on. */
  setThinkingTokens(tokens: Partial<Record<string, number>>): void;
  activeStreams(): number;
  /** Messages API requests refused with 429 for the requests-per-minute limit. */
  rateLimited(): number;
  close(): Promise<void>;
}

export const echoReply: ReplyFn = (req) => ({ kind: 'text', text: `Echo: ${lastUserText(req.body)}` });

// Coalescing every token due within this window into one delta keeps a thousand slow streams cheap.
const TICK_MS = 20;

type Timing = { firstTokenDelayMs: number; tokensPerSecond: number; pingIntervalMs: number };
/** Per response: whether the connection is gone, and how to cancel its pending timer. */
type Life = { closed: boolean; stop: () => void };
type ContentReply = Exclude<FakeReply, { kind: 'status' }>;

function sendError(res: ServerResponse, status: number, type: string, message: string, extra: Record<string, string> = {}, errorCode?: string) {
  const requestId = newId('req_fake_');
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...extra });
  res.end(JSON.stringify(errorBody(type, message, requestId, errorCode)));
}

/** What one answer streams: its blocks, why it stopped, its output tokens, and where a tool input pauses. */
interface Plan {
  blocks: PlannedBlock[];
  stopReason: string;
  outputTokens: number;
  /** Index into the streamed pieces where the stream goes quiet but for pings, and for how long (or until what). */
  pause?: { at: number; ms: number; until?: Promise<void>; openBlock?: number };
  /** Server tool requests the API ran and bills (`usage.server_tool_use`); null when no server tool was offered. */
  serverToolUse?: ServerToolCounts | null;
}

function planOf(reply: ContentReply, body: any, model: FakeModel, thinkingTokens: Record<string, number>): Plan {
  const { thinks, effort } = thinkingOf(body, model);
  const blocks: PlannedBlock[] = [];
  const shown = body.thinking?.display === 'summarized';
  if (thinks) blocks.push(thinkingBlock(String(body.model), shown ? 'Considering the question.' : '', thinkingTokens[effort] ?? 0));
  let stopReason = 'end_turn';
  let serverToolUse: ServerToolCounts | null = null;
  if (reply.kind === 'web') {
    const web = planWeb(reply, body);
    blocks.push(...web.blocks);
    stopReason = web.stopReason;
    serverToolUse = web.counts;
  } else if (reply.kind === 'tool_use' && body.output_config?.format) {
    // https://platform.claude.com/docs/en/build-with-claude/structured-outputs: the answer is a text block of JSON.
    blocks.push(textBlock(JSON.stringify(reply.input ?? {})));
  } else if (reply.kind === 'tool_use') {
    if (reply.text) {
      // Sonnet 5.5's migration guide: notes between tool calls come back as thinking blocks, empty unless `display`
      // returns them, except with `between_tools`.
      const asNotes = model.notesInThinking && thinks;
      blocks.push(asNotes ? thinkingBlock(String(body.model), shown ? reply.text : '', tokenize(reply.text).length) : textBlock(reply.text));
    }
    blocks.push(toolUseBlock(reply.name, reply.input));
    stopReason = 'tool_use';
  } else if (reply.kind === 'paused') {
    blocks.push(textBlock(reply.textBefore + reply.textAfter));
  } else {
    blocks.push(textBlock(reply.kind === 'text' ? reply.text : reply.textBefore));
  }
  // max_tokens covers thinking and text alike: an answer is cut where its tokens run out, thinking first, wherever that
  // falls, mid-sentence or mid tool input, with stop_reason `max_tokens` ("the response reached your max_tokens
  // limit": https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons). The output tokens billed are
  // the whole max_tokens.
  let budget = Number(body.max_tokens);
  let outputTokens = 0;
  const kept: PlannedBlock[] = [];
  for (const block of blocks) {
    const cost = block.tokens ?? block.pieces.length;
    if (budget <= 0) {
      stopReason = 'max_tokens';
      break;
    }
    if (cost > budget) {
      stopReason = 'max_tokens';
      kept.push(block.tokens === undefined ? { ...block, pieces: block.pieces.slice(0, budget) } : { ...block, tokens: budget });
      outputTokens += budget;
      budget = 0;
      break;
    }
    kept.push(block);
    outputTokens += cost;
    budget -= cost;
  }
  const plan: Plan = { blocks: kept, stopReason, outputTokens, serverToolUse };
  if (reply.kind === 'tool_use' && reply.pauseMs) {
    const before = kept.slice(0, -1).reduce((n, b) => n + b.pieces.length, 0);
    if (kept.at(-1)?.delta === 'input_json_delta') plan.pause = { at: before + 1, ms: reply.pauseMs };
  }
  if (reply.kind === 'web' && reply.hold) {
    // Quiet after the last server tool block, before the answer's text.
    const answerAt = kept.findIndex((b) => (b.start as { type?: string }).type === 'text');
    const before = kept.slice(0, answerAt < 0 ? kept.length : answerAt).reduce((n, b) => n + b.pieces.length, 0);
    // Blocks that arrive whole (the results) are sent before the quiet, as the API sends them when they are ready.
    plan.pause = { at: before, ms: 0, until: reply.hold, ...(answerAt >= 0 ? { openBlock: answerAt } : {}) };
  }
  if (reply.kind === 'paused') {
    const before = kept.slice(0, -1).reduce((n, b) => n + b.pieces.length, 0);
    plan.pause = { at: before + tokenize(reply.textBefore).length, ms: 0, until: reply.resume };
  }
  return plan;
}

/** Thinking blocks sent back: a changed one is a 400; another model's is dropped (not an error) by the API. */
function replayProblem(body: any): string | undefined {
  for (const message of body.messages) {
    if (message?.role !== 'assistant' || !Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (block?.type !== 'thinking') continue;
      // https://platform.claude.com/docs/en/build-with-claude/extended-thinking: blocks must be passed back unmodified.
      if (signedModel(block) === undefined) {
        return '`thinking` or `redacted_thinking` blocks in the latest assistant message cannot be modified. These blocks must remain as they were in the original response.';
      }
    }
  }
  return undefined;
}

/**
 * A tool_use left without its result: "tool result blocks must immediately follow their corresponding tool use
 * blocks in the message history" and come first in that user message
 * (https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use#handling-results-from-client-tools);
 * the API refuses the request with a 400 otherwise.
 */
function toolResultProblem(body: any): string | undefined {
  const messages: any[] = body.messages;
  for (const [i, message] of messages.entries()) {
    if (message?.role !== 'assistant' || !Array.isArray(message.content)) continue;
    const ids = message.content.filter((b: any) => b?.type === 'tool_use').map((b: any) => b.id);
    if (!ids.length) continue;
    const next = messages[i + 1];
    // The last message may be the assistant's own (a prefill): nothing follows it yet.
    if (!next) continue;
    const results = Array.isArray(next.content) ? next.content : [];
    const leading = results.slice(0, ids.length);
    const answered = new Set(leading.filter((b: any) => b?.type === 'tool_result').map((b: any) => b.tool_use_id));
    const missing = ids.filter((id: string) => !answered.has(id));
    if (next.role !== 'user' || missing.length) {
      return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return undefined;
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
  const timing: Timing = {
    firstTokenDelayMs: options.firstTokenDelayMs ?? 0,
    tokensPerSecond: options.tokensPerSecond ?? 0,
    pingIntervalMs: options.pingIntervalMs ?? 5_000,
  };
  const thinkingTokens = { ...THINKING_TOKENS, ...options.thinkingTokens } as Record<string, number>;
  let replyFn: ReplyFn = options.reply ?? echoReply;
  let open = 0;
  const requestLimit = options.requestsPerMinute ? new FakeRequestLimit(options.requestsPerMinute) : undefined;
  let rateLimited = 0;
  const limits = requestLimit ? { ...DEFAULT_RATE_LIMITS, requests: requestLimit.perMinute } : DEFAULT_RATE_LIMITS;
  const limitHeaders = () => rateLimitHeaders(limits, requestLimit?.remaining());

  async function handle(req: IncomingMessage, res: ServerResponse, life: Life) {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const raw = await readBody(req);
    const modelPath = /^\/v1\/models\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && modelPath) {
      if (options.apiKey !== undefined && presentedKey(req.headers) !== options.apiKey) {
        return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
      }
      const id = decodeURIComponent(modelPath[1]!);
      const info = fakeModelInfo(id);
      if (!info) return sendError(res, 404, 'not_found_error', `model: ${id}`);
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': newId('req_fake_') });
      return void res.end(JSON.stringify(info));
    }
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
    const badContent = await contentProblem(body, Buffer.byteLength(raw));
    if (badContent) return sendError(res, badContent.status, badContent.type, badContent.message);
    const model = fakeModelOf(body.model);
    const refusal = refusalFor(body, model) ?? (() => {
      const problem = replayProblem(body) ?? toolResultProblem(body);
      return problem ? { status: 400, type: 'invalid_request_error', message: problem } : undefined;
    })();
    if (refusal) return sendError(res, refusal.status, refusal.type, refusal.message);
    const retryAfter = requestLimit?.take();
    if (retryAfter !== undefined) {
      rateLimited++;
      const message = 'This request would exceed your organization\'s rate limit of requests per minute.';
      return sendError(res, 429, 'rate_limit_error', message, { 'retry-after': String(retryAfter), ...limitHeaders() });
    }

    const reply = queue.shift() ?? (await replyFn(captured));
    if (life.closed) return;
    if (reply.kind === 'status') {
      const type = reply.errorType ?? errorTypeFor(reply.status);
      const extra: Record<string, string> = {};
      if (reply.retryAfterSeconds !== undefined) extra['retry-after'] = String(reply.retryAfterSeconds);
      if (reply.shouldRetry !== undefined) extra['x-should-retry'] = String(reply.shouldRetry);
      return sendError(res, reply.status, type, reply.message ?? defaultMessageFor(type), extra, reply.errorCode);
    }
    const usage = cache.usageFor(body);
    const t = { ...timing };
    const plan = planOf(reply, body, model!, thinkingTokens);
    if (body.stream === true) streamReply(res, body.model, reply, plan, usage, t, life, limitHeaders());
    else jsonReply(res, body.model, reply, plan, usage, t, life, limitHeaders());
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
    setThinkingTokens: (tokens) => void Object.assign(thinkingTokens, tokens),
    activeStreams: () => open,
    rateLimited: () => rateLimited,
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
  { blocks, stopReason, outputTokens: tokens, serverToolUse }: Plan,
  usage: InputUsage,
  t: Timing,
  life: Life,
  headers: Record<string, string>,
) {
  // Without a stream the client sees nothing until the whole reply would have been generated.
  const delay = t.firstTokenDelayMs + (t.tokensPerSecond > 0 ? (tokens * 1000) / t.tokensPerSecond : 0);
  const timer = setTimeout(() => {
    if (reply.kind === 'disconnect') return res.socket?.destroy();
    if (reply.kind === 'stall') return;
    if (reply.kind === 'midstream-error') {
      const type = reply.errorType ?? 'overloaded_error';
      return sendError(res, statusFor(type), type, reply.message ?? defaultMessageFor(type));
    }
    const message = messageObject(newId('msg_fake_'), model, blocks.map((b) => b.final), stopReason, usage, tokens, serverToolUse ?? null);
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': newId('req_fake_'), ...headers });
    res.end(JSON.stringify(message));
  }, delay);
  life.stop = () => clearTimeout(timer);
}

function streamReply(
  res: ServerResponse,
  model: unknown,
  reply: ContentReply,
  { blocks, stopReason, outputTokens, pause, serverToolUse }: Plan,
  usage: InputUsage,
  t: Timing,
  life: Life,
  headers: Record<string, string>,
) {
  const pieces = blocks.flatMap((b, index) => b.pieces.map((text) => ({ index, text })));
  const requestId = newId('req_fake_');
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId, ...headers });

  let openBlock = 0;
  // A thinking block's signature arrives last, as a signature_delta just before the block stops.
  const stop = (index: number): string => {
    const final = blocks[index]!.final;
    const signature = final.type === 'thinking' ? sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: final.signature } }) : '';
    return signature + sse('content_block_stop', { type: 'content_block_stop', index });
  };
  // A block starts, then any deltas it opens with (a cited text block's citations).
  const begin = (index: number): string =>
    sse('content_block_start', { type: 'content_block_start', index, content_block: blocks[index]!.start }) +
    (blocks[index]!.startDeltas ?? []).map((delta) => sse('content_block_delta', { type: 'content_block_delta', index, delta })).join('');
  const moveTo = (index: number): string => {
    let out = '';
    for (; openBlock < index; openBlock++) {
      out += stop(openBlock);
      out += begin(openBlock + 1);
    }
    return out;
  };

  // message_start carries the input usage and a first output token; message_delta carries the output so far
  // ("the token counts shown in the usage field of the message_delta event are cumulative":
  // https://platform.claude.com/docs/en/build-with-claude/streaming#event-types). A stream cut off before its
  // message_delta has told the client only message_start's counts.
  const start = messageObject(newId('msg_fake_'), model, [], null, usage, 1);
  res.write(
    sse('message_start', { type: 'message_start', message: start }) + begin(0) + sse('ping', { type: 'ping' }),
  );

  let t0 = Date.now() + t.firstTokenDelayMs;
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let paused = false;
  const tick = () => {
    const now = Date.now();
    let due = t.tokensPerSecond > 0 ? Math.min(pieces.length, Math.floor(((now - t0) * t.tokensPerSecond) / 1000) + 1) : pieces.length;
    if (pause && !paused) due = Math.min(due, pause.at);
    let out = '';
    while (next < due) {
      const { index } = pieces[next]!;
      let joined = '';
      for (; next < due && pieces[next]!.index === index; next++) joined += pieces[next]!.text;
      out += moveTo(index) + sse('content_block_delta', { type: 'content_block_delta', index, delta: deltaFor(blocks[index]!, joined) });
    }
    if (pause && !paused && next === pause.at) {
      // The model is working on the next key: nothing but pings until it is done.
      paused = true;
      if (pause.openBlock !== undefined) out += moveTo(pause.openBlock);
      if (out) res.write(out);
      if (pause.until) {
        const pausedAt = Date.now();
        const ping = () => {
          res.write(sse('ping', { type: 'ping' }));
          timer = setTimeout(ping, t.pingIntervalMs);
        };
        timer = setTimeout(ping, t.pingIntervalMs);
        void pause.until.then(() => {
          if (life.closed) return;
          clearTimeout(timer);
          t0 += Date.now() - pausedAt;
          tick();
        });
        return;
      }
      const until = Date.now() + pause.ms;
      const ping = () => {
        if (Date.now() >= until) {
          t0 += pause.ms;
          return tick();
        }
        res.write(sse('ping', { type: 'ping' }));
        timer = setTimeout(ping, Math.min(t.pingIntervalMs, until - Date.now()));
      };
      timer = setTimeout(ping, Math.min(t.pingIntervalMs, pause.ms));
      return;
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
        stop(openBlock) +
        sse('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: null, stop_details: null, container: null },
          usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens: outputTokens, server_tool_use: serverToolUse ?? null },
        }) +
        sse('message_stop', { type: 'message_stop' }),
    );
  };
  timer = setTimeout(tick, t.firstTokenDelayMs);
  life.stop = () => clearTimeout(timer);
}
