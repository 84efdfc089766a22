import Anthropic from '@anthropic-ai/sdk';
import { UserFacingError } from '../domain/errors.js';
import { createLeanFetch } from '../http/lean-fetch.js';
import type { Logger } from '../log/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';
import { costOf, type TokenUsage } from './price-table.js';

/** One question for the model, with everything it needs to know. */
export interface ChatRequest {
  model: string;
  maxTokens: number;
  /** System prompt blocks; the last one carries the cache breakpoint of the stable prefix. */
  system: Anthropic.TextBlockParam[];
  messages: Anthropic.MessageParam[];
  /** Tools the model may call (skills, structured output); their calls come back in `toolCalls`. */
  tools?: Anthropic.Tool[];
  /** Forces a tool (`{ type: 'tool', name }`) when the answer must be structured; default: the model decides. */
  toolChoice?: Anthropic.ToolChoice;
  /** Called with each piece of text as it streams in, and the whole text so far. */
  onText?: (delta: string, soFar: string) => void;
  /** Called before a retry: text streamed by the failed attempt is void and will be streamed again. */
  onRetry?: (attempt: number, reason: string) => void;
  /** Aborts the call (shutdown). */
  signal?: AbortSignal;
}

/** The finished answer and what it cost. */
export interface ChatResult {
  text: string;
  /** Tools the model called, in order, with their parsed input. */
  toolCalls: ToolCall[];
  usage: TokenUsage;
  costUsd: number;
  model: string;
  stopReason: string | null;
  attempts: number;
}

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
      try {
        const result = await this.attempt(request, attempt);
        metrics.claudeDuration.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        if (request.signal?.aborted) throw error;
        const verdict = classify(error);
        const delay = verdict.retryable ? this.delayFor(attempt, verdict.retryAfterMs) : undefined;
        if (delay === undefined || attempt >= maxAttempts) {
          metrics.claudeDuration.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
          log.error({ err: describe(error), attempt, reason: verdict.reason }, `model call failed: ${verdict.operatorHint}`);
          throw new UserFacingError(verdict.userMessage, { cause: error });
        }
        metrics.claudeRetries.inc({ reason: verdict.reason });
        log.warn({ err: describe(error), attempt, delayMs: delay, reason: verdict.reason }, 'model call failed; retrying');
        request.onRetry?.(attempt + 1, verdict.reason);
        await sleep(delay, request.signal);
      }
    }
  }

  private async attempt(request: ChatRequest, attempt: number): Promise<ChatResult> {
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
      return await this.stream(request, attempt, abort.signal, bump);
    } catch (error) {
      if (abort.signal.aborted && !request.signal?.aborted) throw abort.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', forward);
    }
  }

  private async stream(request: ChatRequest, attempt: number, signal: AbortSignal, bump: () => void): Promise<ChatResult> {
    const sent = performance.now();
    const stream = await this.sdk.messages.create(
      {
        model: request.model,
        max_tokens: request.maxTokens,
        system: request.system,
        messages: request.messages,
        ...(request.tools?.length ? { tools: request.tools } : {}),
        ...(request.tools?.length && request.toolChoice ? { tool_choice: request.toolChoice } : {}),
        stream: true,
      },
      { signal },
    );
    let text = '';
    let model = request.model;
    let stopReason: string | null = null;
    let complete = false;
    // Tool inputs stream as JSON fragments, by content block index; parsed once the message is complete.
    const tools = new Map<number, { id: string; name: string; json: string }>();
    const usage: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
    for await (const event of stream) {
      bump();
      switch (event.type) {
        case 'message_start':
          model = event.message.model;
          usage.inputTokens = event.message.usage.input_tokens;
          usage.cacheWriteTokens = event.message.usage.cache_creation_input_tokens ?? 0;
          usage.cacheReadTokens = event.message.usage.cache_read_input_tokens ?? 0;
          usage.outputTokens = event.message.usage.output_tokens;
          break;
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') {
            tools.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
          }
          break;
        case 'content_block_delta':
          if (event.delta.type === 'input_json_delta') {
            const tool = tools.get(event.index);
            if (tool) tool.json += event.delta.partial_json;
          } else if (event.delta.type === 'text_delta') {
            if (!text) this.options.metrics.claudeFirstToken.observe((performance.now() - sent) / 1000);
            text += event.delta.text;
            request.onText?.(event.delta.text, text);
          }
          break;
        case 'message_delta':
          stopReason = event.delta.stop_reason;
          usage.outputTokens = event.usage.output_tokens;
          break;
        case 'message_stop':
          complete = true;
          break;
      }
    }
    // The SDK ends the iteration quietly when aborted: a partial answer must not pass for a whole one.
    if (signal.aborted) throw signal.reason ?? new Error('model call aborted');
    if (!complete) throw new IncompleteStreamError();
    const costUsd = costOf(model, usage);
    const { metrics } = this.options;
    metrics.claudeTokens.inc({ kind: 'input' }, usage.inputTokens);
    metrics.claudeTokens.inc({ kind: 'output' }, usage.outputTokens);
    metrics.claudeTokens.inc({ kind: 'cache_write' }, usage.cacheWriteTokens);
    metrics.claudeTokens.inc({ kind: 'cache_read' }, usage.cacheReadTokens);
    metrics.claudeCost.inc(costUsd);
    const toolCalls = [...tools.values()].map((tool) => ({ id: tool.id, name: tool.name, input: parseToolInput(tool.name, tool.json, stopReason) }));
    return { text, toolCalls, usage, costUsd, model, stopReason, attempts: attempt };
  }

  /** Exponential backoff with full jitter, or the server's own `retry-after` when it gave one. */
  private delayFor(attempt: number, retryAfterMs: number | undefined): number | undefined {
    if (retryAfterMs !== undefined) return retryAfterMs <= this.maxDelayMs ? retryAfterMs : undefined;
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }
}

/** A tool's input as JSON; a tool with no parameters streams nothing, which means `{}`. */
function parseToolInput(name: string, json: string, stopReason: string | null): unknown {
  if (!json.trim()) return {};
  try {
    return JSON.parse(json);
  } catch {
    if (stopReason === 'max_tokens') {
      // The usual cause: a long document or report cut off mid-JSON at the length limit.
      throw new UserFacingError('The answer was too long and was cut off before it was complete. Try asking for something shorter, or split it into parts.');
    }
    throw new UserFacingError(`Claude sent a malformed answer for \`${name}\`. Please try again.`);
  }
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
    if (status === 429 && /spend|billing|credit/i.test(error.message)) {
      return {
        retryable: false,
        reason: 'spend_limit',
        userMessage: 'The team has reached its Claude spending limit, so I cannot answer right now.',
        operatorHint: 'the Anthropic account hit its spend limit: raise it in the Anthropic console',
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
