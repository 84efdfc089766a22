// Pure helpers for the fake Anthropic server: wire shapes, token estimates and the prompt-cache model.
import { createHash, randomBytes } from 'node:crypto';
import { imageTokensOf } from './fake-anthropic-content.js';

export const newId = (prefix: string): string => `${prefix}${randomBytes(12).toString('hex')}`;

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};
const DEFAULT_MESSAGE: Record<string, string> = {
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  overloaded_error: 'Overloaded',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
};

export const errorTypeFor = (status: number): string => TYPE_BY_STATUS[status] ?? 'api_error';
export const defaultMessageFor = (type: string): string => DEFAULT_MESSAGE[type] ?? type.replace(/_/g, ' ');
// A mid-stream error has no status of its own; a non-streaming request gets the status the API would have used.
export function statusFor(type: string): number {
  const found = Object.entries(TYPE_BY_STATUS).find(([, t]) => t === type);
  return found ? Number(found[0]) : 500;
}

// https://platform.claude.com/docs/en/api/errors — `error.details.error_code` names the cause where there is one.
export const errorBody = (type: string, message: string, requestId: string, errorCode?: string) => ({
  type: 'error',
  error: { type, message, ...(errorCode ? { details: { error_code: errorCode } } : {}) },
  request_id: requestId,
});

// The SDK skips SSE events without an `event:` line, so every event carries one.
export const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export const tokenize = (text: string): string[] => text.match(/\S+\s*|\s+/g) ?? [];
// The `u` flag keeps surrogate pairs together, so every partial_json chunk is valid UTF-16 on its own.
const jsonChunks = (json: string): string[] => json.match(/[\s\S]{1,8}/gu) ?? [];

/** One content block as it will be streamed: the opening shape, its delta pieces, and its final shape. */
export interface PlannedBlock {
  start: Record<string, unknown>;
  final: Record<string, unknown>;
  delta: 'text_delta' | 'input_json_delta' | 'thinking_delta';
  pieces: string[];
  /** Output tokens the block costs, when not one per piece (thinking shown as `omitted` still costs its tokens). */
  tokens?: number;
  /** Deltas sent right after the block starts, before its pieces (a cited text block's citations_delta). */
  startDeltas?: Record<string, unknown>[];
}

/**
 * A thinking block. https://platform.claude.com/docs/en/build-with-claude/streaming: with `display: "omitted"` (the
 * 5.x default) a thinking block streams one empty thinking_delta then a signature_delta; its tokens are billed as
 * output and count against max_tokens (https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide).
 */
export function thinkingBlock(model: string, shown: string, tokens: number): PlannedBlock {
  const signature = signThinking(model, shown);
  return {
    start: { type: 'thinking', thinking: '', signature: '' },
    final: { type: 'thinking', thinking: shown, signature },
    delta: 'thinking_delta',
    pieces: [shown],
    tokens,
  };
}

/** The fake's signature: which model thought it, over what it thought, so a changed or moved block is caught. */
export function signThinking(model: string, thinking: string): string {
  const digest = createHash('sha256').update(`${model}\0${thinking}`).digest('base64url');
  return Buffer.from(JSON.stringify({ model, digest })).toString('base64url');
}

/** The model a signature was issued for, or undefined if the block was changed (or never came from here). */
export function signedModel(block: { thinking?: unknown; signature?: unknown }): string | undefined {
  try {
    const { model } = JSON.parse(Buffer.from(String(block.signature), 'base64url').toString('utf8')) as { model: string };
    return signThinking(model, String(block.thinking ?? '')) === block.signature ? model : undefined;
  } catch {
    return undefined;
  }
}

export function textBlock(text: string): PlannedBlock {
  return {
    start: { type: 'text', text: '', citations: null },
    final: { type: 'text', text, citations: null },
    delta: 'text_delta',
    pieces: tokenize(text),
  };
}

export function toolUseBlock(name: string, input: unknown): PlannedBlock {
  const start = { type: 'tool_use', id: newId('toolu_fake_'), name, input: {}, caller: { type: 'direct' } };
  return {
    start,
    final: { ...start, input: input ?? {} },
    delta: 'input_json_delta',
    pieces: jsonChunks(JSON.stringify(input ?? {})),
  };
}

export const deltaFor = (block: PlannedBlock, joined: string) =>
  block.delta === 'text_delta'
    ? { type: 'text_delta', text: joined }
    : block.delta === 'thinking_delta'
      ? { type: 'thinking_delta', thinking: joined }
      : { type: 'input_json_delta', partial_json: joined };

export interface InputUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export function messageObject(
  id: string,
  model: unknown,
  content: unknown[],
  stopReason: string | null,
  usage: InputUsage,
  outputTokens: number,
  serverToolUse: Record<string, number> | null = null,
) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      ...usage,
      output_tokens: outputTokens,
      output_tokens_details: null,
      server_tool_use: serverToolUse,
      service_tier: 'standard',
      inference_geo: null,
      speed: null,
    },
  };
}

/** Text of the last user message; its content may be a string or blocks, of which only text blocks count. */
export function lastUserText(body: any): string {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = messages.findLast((m) => m?.role === 'user');
  if (typeof last?.content === 'string') return last.content;
  if (!Array.isArray(last?.content)) return '';
  return last.content
    .filter((b: any) => b?.type === 'text' && typeof b.text === 'string')
    .map((b: any) => b.text)
    .join('\n');
}

interface Part {
  key: string;
  chars: number;
  ttl?: '5m' | '1h';
}

function charsOf(value: any): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + charsOf(v), 0);
  if (!value || typeof value !== 'object') return 0;
  if (typeof value.text === 'string') return value.text.length;
  if (typeof value.thinking === 'string') return value.thinking.length;
  if (value.type === 'tool_use') return String(value.name).length + JSON.stringify(value.input ?? {}).length;
  // Images by the documented (width × height) / 750 tokens; a PDF by the fake's own guess of a token per 100 base64
  // characters (the API documents a range per page, not a formula). Four characters make a token here.
  if (value.type === 'image') return imageTokensOf(value) * 4;
  if (value.type === 'document' && value.source?.type === 'base64') return Math.ceil(String(value.source.data).length / 100) * 4;
  return 'content' in value ? charsOf(value.content) : 0;
}

const blocksOf = (content: unknown): any[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];

// Flattened in the order the API builds its cache prefix: tools, then system, then messages.
function partsOf(body: any): Part[] {
  const parts: Part[] = [];
  const add = (scope: string, block: any, chars: number) => {
    const { cache_control: cc, ...rest } = block && typeof block === 'object' ? block : { value: block };
    // cache_control is left out of the key: moving a breakpoint must not change what the content hashes to.
    parts.push({ key: scope + JSON.stringify(rest), chars, ...(cc ? { ttl: cc.ttl === '1h' ? '1h' : '5m' } : {}) });
  };
  for (const tool of Array.isArray(body.tools) ? body.tools : []) add('tool:', tool, JSON.stringify(tool).length);
  for (const block of blocksOf(body.system)) add('system:', block, charsOf(block));
  body.messages.forEach((m: any, i: number) => {
    for (const block of blocksOf(m?.content)) add(`${i}:${m?.role}:`, block, charsOf(block));
  });
  return parts;
}

/**
 * A simplified prompt cache: only the prefix ending at the last cache_control block is looked up, with no
 * minimum length, no lookback to earlier breakpoints and no expiry.
 */
/** How far before a breakpoint the real API looks for an earlier cached prefix. */
const LOOKBACK_BLOCKS = 20;

export class PromptCache {
  private readonly seen = new Set<string>();

  usageFor(body: any): InputUsage {
    const parts = partsOf(body);
    const estimate = (ps: Part[]) => Math.ceil(ps.reduce((n, p) => n + p.chars, 0) / 4);
    const total = estimate(parts);
    const last = parts.findLastIndex((p) => p.ttl);
    const none = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
    if (last < 0) return { input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: none };

    // As the real API does: every breakpoint writes a cache entry, and a request reads the longest cached prefix
    // ending at a breakpoint or at any of the ~20 block boundaries before one, then writes the rest.
    const prefixTokens = estimate(parts.slice(0, last + 1));
    const hash = createHash('sha256').update(String(body.model));
    const keys = parts.slice(0, last + 1).map((p) => hash.update('\0').update(p.key).copy().digest('hex'));
    let readTokens = 0;
    parts.forEach((p, b) => {
      if (!p.ttl || b > last) return;
      for (let j = b; j >= Math.max(0, b - LOOKBACK_BLOCKS); j--) {
        if (this.seen.has(keys[j]!)) {
          readTokens = Math.max(readTokens, estimate(parts.slice(0, j + 1)));
          break;
        }
      }
    });
    parts.forEach((p, b) => p.ttl && b <= last && this.seen.add(keys[b]!));
    const created = prefixTokens - readTokens;
    const hit = readTokens > 0;
    return {
      input_tokens: Math.max(0, total - prefixTokens),
      cache_creation_input_tokens: created,
      cache_read_input_tokens: hit ? readTokens : 0,
      cache_creation: parts[last]!.ttl === '1h'
        ? { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: created }
        : { ephemeral_5m_input_tokens: created, ephemeral_1h_input_tokens: 0 },
    };
  }
}
