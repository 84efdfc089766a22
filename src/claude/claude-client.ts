import { estimateTokens } from '../render/estimate-tokens.js';
import Anthropic, { type Middleware } from '@anthropic-ai/sdk';
import { FinalError, UserFacingError } from '../domain/errors.js';
import type { OrgRateLimit } from './org-rate-limit.js';
import { createLeanFetch } from '../net/lean-fetch.js';
import type { Logger } from '../log/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';
import { costOf, type PriceOverrides, type TokenUsage } from './price-table.js';
import { shapeRequest, type Effort, type Reasoning, type StructuredAnswer } from './shape-request.js';

/** One question for the model, with everything it needs to know. */
export interface ChatRequest {
  model: string;
  /** Tokens the visible answer may take; room for thinking is added for models that think (see shapeRequest). */
  maxTokens: number;
  /** System prompt blocks; the last one carries the cache breakpoint of the stable prefix. */
  system: Anthropic.TextBlockParam[];
  messages: Anthropic.MessageParam[];
  /**
   * Tools the model may call: skills (their calls come back in `toolCalls`) and Anthropic's server tools (web search
   * and fetch: the API runs them, and `onServerTool` hears of each). The model always decides.
   */
  tools?: Anthropic.ToolUnion[];
  /**
   * An answer that must be one JSON object of this schema; it comes back parsed in `structured`. Asked for the way the
   * model supports (structured outputs, or a tool), never by forcing a tool on a model that rejects it.
   */
  structured?: StructuredAnswer;
  /** How much to think: `off` (the default) is the least the model allows; `adaptive` lets it decide. */
  reasoning?: Reasoning;
  /** `output_config.effort` where the model takes it; the model's own default otherwise. */
  effort?: Effort;
  /** Thinking capped at this many tokens (with `reasoning: 'adaptive'`): see shapeRequest. */
  thinkingBudget?: number;
  /** Called as a server tool (web search, web fetch) starts, with its input, and as its result arrives. */
  onServerTool?: (event: ServerToolEvent) => void;
  /** Called with each piece of text as it streams in, and the whole text so far (never for a structured answer). */
  onText?: (delta: string, soFar: string) => void;
  /** Called when the model starts thinking (before the answer, or between tool calls). */
  onThinking?: () => void;
  /** Called before a retry: text streamed by the failed attempt is void and will be streamed again. */
  onRetry?: (attempt: number, reason: string) => void;
  /** Aborts the call (shutdown). */
  signal?: AbortSignal;
  /**
   * Called before each attempt (the budget's reservation, src/turn/metered-chat.ts). What it throws ends the call as
   * it is, without a retry: a refusal is the user's answer.
   */
  beforeAttempt?: (attempt: number) => Promise<void>;
  /**
   * Called once after each attempt, answered, failed or aborted, with what the API reported it used so far: a failed
   * attempt is billed for what it streamed, so every attempt is recorded, not only the one that answered.
   */
  afterAttempt?: (spent: AttemptSpend) => Promise<void>;
}

/**
 * What one attempt used, as far as its stream told: `message_start` carries the input tokens, `message_delta` the
 * output tokens so far ("the token counts shown in the usage field of the message_delta event are cumulative",
 * https://platform.claude.com/docs/en/build-with-claude/streaming#event-types). An attempt cut off before its
 * `message_delta` reports the input and the first output token only; one refused before its stream began, nothing.
 */
export interface AttemptSpend {
  attempt: number;
  model: string;
  usage: TokenUsage;
  costUsd: number;
}

/** The finished answer and what it cost. */
export interface ChatResult {
  text: string;
  /** Tools the model called, in order, with their parsed input. */
  toolCalls: ToolCall[];
  /** The structured answer, parsed (unchecked: each caller validates what it uses); undefined if none was asked for. */
  structured?: unknown;
  /**
   * The answer's content blocks as the API requires them back in a tool loop: thinking blocks with their signatures,
   * unmodified and in order, then text and tool calls.
   */
  content: Anthropic.ContentBlockParam[];
  usage: TokenUsage;
  costUsd: number;
  model: string;
  stopReason: string | null;
  attempts: number;
}

/**
 * A server tool at work: `start` once its input has streamed (the query, the URL), `done` when its result block
 * arrives, with the error code when the tool failed (https://platform.claude.com/docs/en/agents-and-tools/tool-use/server-tools).
 */
export type ServerToolEvent =
  | { phase: 'start'; id: string; name: string; input: unknown }
  | { phase: 'done'; id: string; name: string; input: unknown; errorCode?: string };

/** One tool call of an answer. The input is the model's JSON, unchecked: each caller validates what it uses. */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

export interface ClaudeClientOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  /** Attempts per answer, counting the first. */
  maxAttempts: number;
  timeoutMs: number;
  log: Logger;
  metrics: Metrics;
  /** CLAUDE_PRICES, ahead of the built-in price list. */
  prices?: PriceOverrides;
  /** First retry delay; doubles each attempt, with jitter. */
  baseDelayMs?: number;
  /** Longest wait before a retry; a longer `retry-after` ends the attempts instead. */
  maxDelayMs?: number;
  /**
   * Longest silence inside one attempt before it is abandoned and retried. The SDK's timeout stops at the response
   * headers; a stream that stalls after them would otherwise hold its job, and its whole thread, forever. The API
   * sends `ping` events while it works, so a minute of nothing means the connection is dead.
   */
  idleTimeoutMs?: number;
  /** The organisation's rate limits, shared by every worker through Redis; without it each process is on its own. */
  orgLimit?: OrgRateLimit;
}

/**
 * Streams answers from the Messages API. Retries live here, not in the SDK: the SDK does not retry a stream that
 * fails midway, and one loop that treats 429/529/5xx, dropped connections and mid-stream errors alike is simpler
 * than two layers of retries.
 */
export class ClaudeClient {
  private readonly sdk: Anthropic;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: ClaudeClientOptions) {
    this.sdk = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseUrl ?? null,
      maxRetries: 0,
      timeout: options.timeoutMs,
      // A third of the CPU per call of Node's own fetch; the stream itself costs the same either way.
      fetch: createLeanFetch(),
    });
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  }

  /** Streams one answer, retrying transient failures; throws a UserFacingError when the model cannot answer. */
  async chat(request: ChatRequest): Promise<ChatResult> {
    const { log, metrics, maxAttempts } = this.options;
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      await request.beforeAttempt?.(attempt);
      const spent: Spent = { model: request.model, usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 } };
      let result: ChatResult | undefined;
      let error: unknown;
      try {
        await this.options.orgLimit?.beforeCall(request.signal);
        result = await this.attempt(request, attempt, spent);
      } catch (thrown) {
        error = thrown ?? new Error('model call failed');
      }
      // Before anything else, the attempt's cost: answered, failed or aborted, it was billed for what it streamed.
      const costUsd = this.price(request.model, spent);
      await request.afterAttempt?.({ attempt, model: spent.model, usage: { ...spent.usage }, costUsd });
      if (result) {
        result.costUsd = costUsd;
        metrics.claudeDuration.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
        return result;
      }
      if (request.signal?.aborted) throw error;
      if (error instanceof UserFacingError) {
        // Our own verdict on a whole answer (cut off at max_tokens, malformed): the same request would end the same
        // way, and each attempt costs a full answer, so it is not retried.
        metrics.claudeDuration.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
        log.warn({ err: describe(error), attempt, stopReason: spent.stopReason }, 'model answer unusable; not retried');
        throw error;
      }
      const verdict = classify(error);
      const delay = verdict.retryable ? this.delayFor(attempt, verdict.retryAfterMs) : undefined;
      if (delay === undefined || attempt >= maxAttempts) {
        metrics.claudeDuration.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
        log.error({ err: describe(error), attempt, reason: verdict.reason }, `model call failed: ${verdict.operatorHint}`);
        throw new UserFacingError(verdict.userMessage, { cause: error });
      }
      // Every worker holds back, not only this one: the limit is the organisation's.
      if (error instanceof Anthropic.APIError && error.status === 429) await this.options.orgLimit?.pause(delay);
      metrics.claudeRetries.inc({ reason: verdict.reason });
      log.warn({ err: describe(error), attempt, delayMs: delay, reason: verdict.reason }, 'model call failed; retrying');
      request.onRetry?.(attempt + 1, verdict.reason);
      await sleep(delay, request.signal);
    }
  }

  /**
   * What an attempt cost, counted in the metrics. The model the API names may be a dated id of the one asked for;
   * both price alike. Callers refuse unpriced models before calling, so a missing price here is a gap in the table
   * worth an error line, not a guess.
   */
  private price(asked: string, spent: Spent): number {
    const { metrics, prices, log } = this.options;
    const { usage, model } = spent;
    const known = costOf(model, usage, prices) ?? costOf(asked, usage, prices);
    if (known === undefined) log.error({ model }, 'no price for this model: its spending is recorded as $0; add it to CLAUDE_PRICES');
    const costUsd = known ?? 0;
    metrics.claudeTokens.inc({ kind: 'input' }, usage.inputTokens);
    metrics.claudeTokens.inc({ kind: 'output' }, usage.outputTokens);
    metrics.claudeTokens.inc({ kind: 'cache_write' }, usage.cacheWriteTokens);
    metrics.claudeTokens.inc({ kind: 'cache_read' }, usage.cacheReadTokens);
    metrics.claudeCost.inc(costUsd);
    return costUsd;
  }

  private async attempt(request: ChatRequest, attempt: number, spent: Spent): Promise<ChatResult> {
    // Aborted when the API goes quiet for too long, or when the job is.
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // Called for every streamed event: re-arming the one timer costs far less than a new timer per event (with a
    // thousand answers streaming at once, that is tens of thousands of timers a second).
    const bump = () => {
      if (timer) timer.refresh();
      else timer = setTimeout(() => abort.abort(new StreamIdleError(this.idleTimeoutMs)), this.idleTimeoutMs);
    };
    bump();
    // The job's signal aborts this attempt too. A listener, not AbortSignal.any: Node 20's keeps weak references and
    // a finalizer per signal, a measurable cost at hundreds of calls a second.
    const forward = () => abort.abort(request.signal!.reason);
    if (request.signal?.aborted) forward();
    else request.signal?.addEventListener('abort', forward, { once: true });
    try {
      return await this.stream(request, attempt, abort.signal, bump, spent);
    } catch (error) {
      if (abort.signal.aborted && !request.signal?.aborted) throw abort.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', forward);
    }
  }

  private async stream(request: ChatRequest, attempt: number, signal: AbortSignal, bump: () => void, spent: Spent): Promise<ChatResult> {
    const sent = performance.now();
    const { structuredVia, thinks: _thinks, ...shaped } = shapeRequest(request);
    const stream = await this.sdk.messages.create(
      { model: request.model, messages: request.messages, ...shaped, stream: true },
      // Liveness is watched on the raw body: the SDK drops `ping` events before its iterator, and a long tool input
      // or a long think streams nothing else for minutes.
      { signal, middleware: [watchBody(bump), ...(this.options.orgLimit ? [learnLimits(this.options.orgLimit)] : [])] },
    );
    let text = '';
    let stopReason: string | null = null;
    let complete = false;
    // Every content block by index, as the API requires it back; tool inputs stream as JSON fragments.
    const blocks = new Map<number, StreamedBlock>();
    // Server tool calls by id, so their results can be told apart (which tool, which query).
    const serverCalls = new Map<string, { name: string; input: unknown }>();
    // Filled in as the events arrive, so a failed attempt still reports what it used.
    const { usage } = spent;
    // A structured answer's text is JSON: nobody should see it stream.
    const streamsText = structuredVia !== 'format';
    for await (const event of stream) {
      bump();
      switch (event.type) {
        case 'message_start':
          spent.model = event.message.model;
          usage.inputTokens = event.message.usage.input_tokens;
          usage.cacheWriteTokens = event.message.usage.cache_creation_input_tokens ?? 0;
          usage.cacheReadTokens = event.message.usage.cache_read_input_tokens ?? 0;
          usage.outputTokens = event.message.usage.output_tokens;
          countServerTools(usage, event.message.usage.server_tool_use);
          break;
        case 'content_block_start': {
          const block = startBlock(event.content_block);
          blocks.set(event.index, block);
          if (event.content_block.type === 'thinking' || event.content_block.type === 'redacted_thinking') request.onThinking?.();
          // A server tool's result arrives whole, in its start event.
          if (block.type === 'other') {
            const done = serverToolDone(block.block, serverCalls);
            if (done) request.onServerTool?.(done);
          }
          break;
        }
        case 'content_block_stop': {
          const block = blocks.get(event.index);
          if (block?.type === 'server_tool_use') {
            const input = safeParse(block.json);
            serverCalls.set(block.id, { name: block.name, input });
            request.onServerTool?.({ phase: 'start', id: block.id, name: block.name, input });
          }
          break;
        }
        case 'content_block_delta': {
          const block = blocks.get(event.index);
          const delta = event.delta;
          if (delta.type === 'text_delta') {
            if (block?.type === 'text') block.text += delta.text;
            if (!text) this.options.metrics.claudeFirstToken.observe((performance.now() - sent) / 1000);
            text += delta.text;
            if (streamsText) request.onText?.(delta.text, text);
          } else if (delta.type === 'input_json_delta') {
            if (block?.type === 'tool_use' || block?.type === 'server_tool_use') block.json += delta.partial_json;
          } else if (delta.type === 'citations_delta') {
            if (block?.type === 'text') block.citations.push(delta.citation);
          } else if (delta.type === 'thinking_delta') {
            if (block?.type === 'thinking') block.thinking += delta.thinking;
          } else if (delta.type === 'signature_delta') {
            if (block?.type === 'thinking') block.signature += delta.signature;
          }
          break;
        }
        case 'message_delta':
          // Cumulative counts; the input ones may be repeated here (or null), and are kept when given.
          stopReason = event.delta.stop_reason;
          spent.stopReason = stopReason;
          usage.outputTokens = event.usage.output_tokens;
          if (event.usage.input_tokens != null) usage.inputTokens = event.usage.input_tokens;
          if (event.usage.cache_creation_input_tokens != null) usage.cacheWriteTokens = event.usage.cache_creation_input_tokens;
          if (event.usage.cache_read_input_tokens != null) usage.cacheReadTokens = event.usage.cache_read_input_tokens;
          countServerTools(usage, event.usage.server_tool_use);
          break;
        case 'message_stop':
          complete = true;
          break;
      }
    }
    // The SDK ends the iteration quietly when aborted: a partial answer must not pass for a whole one.
    if (signal.aborted) {
      // Cut off (Stop, a deletion) before message_delta brought the output count: the tokens streamed so far were
      // generated and are billed, so they are counted by estimate rather than as none.
      if (stopReason === null) usage.outputTokens = Math.max(usage.outputTokens, estimateTokens(text));
      throw signal.reason ?? new Error('model call aborted');
    }
    if (!complete) throw new IncompleteStreamError();
    const ordered = [...blocks.entries()].sort(([x], [y]) => x - y).map(([, block]) => block);
    // https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons: `max_tokens` means the response
    // reached the limit, so the block it stopped in is incomplete. A tool call there is cut off even when its JSON
    // happens to parse, and running it would act on half a request.
    const cutOff = stopReason === 'max_tokens' ? tooLong(shaped.max_tokens) : undefined;
    if (cutOff && ordered.at(-1)?.type === 'tool_use') throw cutOff;
    const toolCalls: ToolCall[] = [];
    for (const block of ordered) {
      if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, input: parseJson(block.name, block.json, cutOff) });
    }
    // Priced by chat(), which prices every attempt alike.
    const result: ChatResult = { text, toolCalls, content: ordered.map(toParam), usage: { ...usage }, costUsd: 0, model: spent.model, stopReason, attempts: attempt };
    const structuredName = request.structured?.name;
    if (structuredVia === 'format') {
      result.structured = text.trim() ? parseJson(structuredName!, text, cutOff) : undefined;
      result.text = '';
    } else if (structuredName) {
      result.structured = toolCalls.find((call) => call.name === structuredName)?.input;
      result.toolCalls = toolCalls.filter((call) => call.name !== structuredName);
    }
    // Cut off before the answer began: all the tokens went into thinking.
    if (request.structured && result.structured === undefined && cutOff) throw cutOff;
    return result;
  }

  /** Exponential backoff with full jitter, or the server's own `retry-after` when it gave one. */
  private delayFor(attempt: number, retryAfterMs: number | undefined): number | undefined {
    if (retryAfterMs !== undefined) return retryAfterMs <= this.maxDelayMs ? retryAfterMs : undefined;
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }
}

/**
 * A tool's input, or a structured answer, as JSON; a tool with no parameters streams nothing, which means `{}`.
 * `cutOff` is the error for an answer stopped at max_tokens: the usual cause of JSON that does not parse.
 */
function parseJson(name: string, json: string, cutOff: UserFacingError | undefined): unknown {
  if (!json.trim()) return {};
  try {
    return JSON.parse(json);
  } catch {
    if (cutOff) throw cutOff;
    throw new UserFacingError(`Claude sent a malformed answer for \`${name}\`. Please try again.`);
  }
}

/** An answer stopped at `max_tokens` before what was asked for was complete; asking again would end the same way. */
function tooLong(maxTokens: number): FinalError {
  return new FinalError(
    `The answer reached the length limit of ${maxTokens.toLocaleString('en-US')} tokens before it was complete, so I ` +
      'stopped rather than pay for the same cut-off answer again. Try asking for something shorter, or split it into ' +
      'parts; whoever runs Xiaoliu can raise the limit (CLAUDE_MAX_TOKENS).',
  );
}

/** What an attempt has used so far, and why it stopped once the stream said. */
interface Spent {
  model: string;
  usage: TokenUsage;
  stopReason?: string | null;
}

/**
 * Server tool requests the API counted, cumulative like the token counts: `usage.server_tool_use.web_search_requests`
 * is what web search is billed by (https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool,
 * "Usage"); web fetch has no charge of its own beyond the tokens of what it read.
 */
function countServerTools(usage: TokenUsage, counted: Anthropic.ServerToolUsage | null | undefined): void {
  if (!counted) return;
  if (counted.web_search_requests != null) usage.webSearches = counted.web_search_requests;
  if (counted.web_fetch_requests != null) usage.webFetches = counted.web_fetch_requests;
}

/** The result of a server tool call that started earlier in the stream, as a `done` event; undefined for other blocks. */
function serverToolDone(block: Anthropic.ContentBlockParam, calls: Map<string, { name: string; input: unknown }>): ServerToolEvent | undefined {
  if (block.type !== 'web_search_tool_result' && block.type !== 'web_fetch_tool_result') return undefined;
  const call = calls.get(block.tool_use_id);
  const content = block.content as { type?: string; error_code?: string };
  const errorCode = content && !Array.isArray(content) && /_error$/.test(content.type ?? '') ? content.error_code : undefined;
  return { phase: 'done', id: block.tool_use_id, name: call?.name ?? block.type.replace(/_tool_result$/, ''), input: call?.input, ...(errorCode ? { errorCode } : {}) };
}

/** A content block as it streams in. */
type StreamedBlock =
  | { type: 'text'; text: string; citations: Anthropic.TextCitation[] }
  | { type: 'server_tool_use'; id: string; name: string; json: string; start: Anthropic.ServerToolUseBlock }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; json: string }
  | { type: 'other'; block: Anthropic.ContentBlockParam };

function startBlock(block: Anthropic.RawContentBlockStartEvent['content_block']): StreamedBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text, citations: [...(block.citations ?? [])] };
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, json: '' };
    case 'server_tool_use':
      // Its input streams as input_json_delta, like a tool's (the start event carries `{}`).
      return { type: 'server_tool_use', id: block.id, name: block.name, json: '', start: block };
    default:
      // Server tools' blocks arrive whole; they go back as they came.
      return { type: 'other', block: block as unknown as Anthropic.ContentBlockParam };
  }
}

/** A streamed block as the API takes it back in the next request of a tool loop. */
function toParam(block: StreamedBlock): Anthropic.ContentBlockParam {
  switch (block.type) {
    case 'text':
      // Citations go back with their text (a paused turn continues from them, and sources are read from them).
      return block.citations.length ? { type: 'text', text: block.text, citations: block.citations.map(citationParam) } : { type: 'text', text: block.text };
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: safeParse(block.json) };
    case 'server_tool_use':
      return { ...block.start, input: safeParse(block.json) } as Anthropic.ServerToolUseBlockParam;
    case 'other':
      return block.block;
  }
}

/**
 * A citation as the API takes it back: the response's document citations carry `file_id`, which their request shapes
 * (CitationCharLocationParam and the like, in the SDK) do not have.
 */
function citationParam(citation: Anthropic.TextCitation): Anthropic.TextCitationParam {
  if (!('file_id' in citation)) return citation;
  const { file_id: _fileId, ...rest } = citation;
  return rest as Anthropic.TextCitationParam;
}

function safeParse(json: string): unknown {
  try {
    return json.trim() ? JSON.parse(json) : {};
  } catch {
    return {};
  }
}

/**
 * SDK middleware that calls `alive` whenever bytes of the response body arrive, pings included. A 'readable'
 * listener only observes: the SDK's iterator still reads every chunk itself, and none is taken from it.
 */
function watchBody(alive: () => void): Middleware {
  return async (request, next) => {
    const response = await next(request);
    // Only an event stream is watched; an error's JSON body is read whole, at once, by the SDK.
    if (!response.ok || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
    const body = response.body as unknown as { on?: (event: string, listener: () => void) => void } | null;
    if (typeof body?.on === 'function') body.on('readable', alive);
    return response;
  };
}

/** SDK middleware that reads the organisation's rate limits off every response, errors included. */
function learnLimits(limits: OrgRateLimit): Middleware {
  return async (request, next) => {
    const response = await next(request);
    limits.learn(response.headers);
    return response;
  };
}

/** An attempt heard nothing from the API for too long; retried like a dropped connection. */
class StreamIdleError extends Error {
  override readonly name = 'StreamIdleError';
  constructor(ms: number) {
    super(`no data from the Messages API for ${ms} ms`);
  }
}

/** The stream ended without `message_stop`: a proxy or the network cut it short. Retried like a dropped connection. */
class IncompleteStreamError extends Error {
  override readonly name = 'IncompleteStreamError';
  constructor() {
    super('the answer stream ended before message_stop');
  }
}

interface Verdict {
  retryable: boolean;
  /** Short label for metrics and logs. */
  reason: string;
  retryAfterMs?: number;
  userMessage: string;
  /** What an operator should do about it, for the log line. */
  operatorHint: string;
}

const BUSY = 'Claude is busy right now and did not answer after several tries. Please ask again in a minute.';

/** Decides whether a failed call is worth another attempt and what to tell the user if not. */
function classify(error: unknown): Verdict {
  if (error instanceof Anthropic.APIError && error.status === undefined && !(error instanceof Anthropic.APIConnectionError)) {
    // An `event: error` inside the stream (overloaded, api_error): the SDK leaves retrying to us.
    return { retryable: true, reason: 'stream_error', userMessage: BUSY, operatorHint: `stream error ${error.type ?? ''}` };
  }
  if (error instanceof StreamIdleError) {
    return { retryable: true, reason: 'idle_timeout', userMessage: BUSY, operatorHint: error.message };
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return {
      retryable: true,
      reason: 'connection',
      userMessage: 'I could not reach Claude. Please try again shortly.',
      operatorHint: 'cannot connect to the Messages API: check ANTHROPIC_BASE_URL and the network',
    };
  }
  if (error instanceof Anthropic.APIError && error.status !== undefined) {
    const status = error.status;
    const shouldRetry = error.headers?.get('x-should-retry');
    const retryAfterMs = retryAfter(error.headers);
    if (status === 401 || status === 403) {
      return {
        retryable: false,
        reason: String(status),
        userMessage: 'I cannot reach Claude because my API key was refused. An admin needs to check the key.',
        operatorHint: 'the API key was refused: check ANTHROPIC_API_KEY',
      };
    }
    const spend = spendLimitOf(error);
    if (spend) return spend;
    if (status === 402) {
      return {
        retryable: false,
        reason: 'billing',
        userMessage: 'I cannot answer right now: the Anthropic account I use has a billing problem. An admin needs to check it.',
        operatorHint: `402 billing_error${error.errorCode ? ` (${error.errorCode})` : ''}: check the payment details on the Billing page of the Claude Console`,
      };
    }
    if (status === 404 && error.type === 'not_found_error') {
      return {
        retryable: false,
        reason: '404',
        userMessage: 'I cannot answer right now: the Claude model I am set to use was not found. An admin needs to choose another (`config model`).',
        operatorHint: `the Messages API does not know this model: check CLAUDE_MODEL and the channels' \`config model\` (${error.message})`,
      };
    }
    const transient = status === 408 || status === 409 || status === 429 || status >= 500;
    if (transient && shouldRetry !== 'false') {
      return {
        retryable: true,
        reason: String(status),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        userMessage: BUSY,
        operatorHint: `the API kept answering ${status}`,
      };
    }
    return {
      retryable: false,
      reason: String(status),
      userMessage: 'Claude could not handle this request. Try rephrasing it, or `reset` the thread if it is very long.',
      operatorHint: `the API rejected the request with ${status}: ${error.message}`,
    };
  }
  return { retryable: true, reason: 'unknown', userMessage: BUSY, operatorHint: String(error) };
}

/**
 * Error codes of spend limits (`error.details.error_code`, which the SDK exposes as `errorCode`; the SDK's own
 * note says to branch on it, not on the message): the tier's monthly cap and a contract limit come as 429s that no
 * retry gets past (https://platform.claude.com/docs/en/api/rate-limits#reaching-your-spend-cap), a linked
 * organisation's limit as a 402.
 */
const SPEND_CODES = new Set(['enforced_spend_limit_reached', 'contract_spend_limit_reached', 'linked_organization_spend_limit_reached']);
/**
 * A spend limit the organisation set itself is a 400 `invalid_request_error` with no error code; the documented
 * message is the only sign (https://platform.claude.com/docs/en/api/errors): matched on its opening words as a fallback.
 */
const OWN_LIMIT = /^You have reached your specified (?:workspace )?API usage limits/;

/** A spend limit, by status and code: not worth a retry, and the operator must act. */
function spendLimitOf(error: InstanceType<typeof Anthropic.APIError>): Verdict | undefined {
  const code = error.errorCode ?? undefined;
  const own = error.status === 400 && OWN_LIMIT.test(error.apiMessage ?? '');
  if (!(code && SPEND_CODES.has(code)) && !own) return undefined;
  return {
    retryable: false,
    reason: 'spend_limit',
    userMessage: 'The team has reached its Claude spending limit, so I cannot answer until it resets or an admin raises it.',
    operatorHint: own
      ? 'the organization or workspace spend limit set in the Claude Console was reached: raise it on the Billing page, or wait for the date in the message'
      : `Anthropic spend limit reached (${code}): raise the limit or the usage tier in the Claude Console; retries fail until it resets`,
  };
}

function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Only what helps an operator; SDK errors hold the response headers, which are not ours to log whole. */
function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Anthropic.APIError) {
    return { type: error.type, status: error.status, message: error.message, requestId: error.requestID };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
