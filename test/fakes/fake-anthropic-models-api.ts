// The Models API (GET /v1/models/{model_id}) and the rate-limit headers of the fake Anthropic: what `npm run doctor`
// reads. The model object's shape is the installed SDK's `ModelInfo` (@anthropic-ai/sdk resources/models.d.ts);
// https://platform.claude.com/docs/en/api/models/retrieve is the endpoint's page.
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import { fakeModelOf, type FakeModel } from './fake-anthropic-models.js';

const yes = { supported: true };
const no = { supported: false };
const support = (supported: boolean) => (supported ? yes : no);

/**
 * The model object for an id the fake serves, undefined for one it does not (a 404 `not_found_error`, as on the
 * Messages API). Thinking, effort and output size come from the fake's documented table (fake-anthropic-models.ts);
 * what that table does not document (release date, context window, the other capabilities) is not modelled: the
 * release date is the epoch ("may be set to an epoch value if the release date is unknown", says the SDK), the
 * context window null, the other capabilities reported as supported.
 */
export function fakeModelInfo(id: string, lifecycle: ModelInfo['lifecycle'] = 'active'): ModelInfo | undefined {
  const model = fakeModelOf(id);
  if (!model) return undefined;
  const line = /^claude-(haiku|sonnet|opus|fable|mythos)-/.exec(id)?.[1] as ModelInfo['line'] | undefined;
  return {
    type: 'model',
    id,
    display_name: displayName(id),
    created_at: '1970-01-01T00:00:00Z',
    lifecycle,
    deprecated_at: lifecycle === 'active' ? null : '2026-10-01T00:00:00Z',
    retires_at: lifecycle === 'deprecated' ? '2027-04-01T00:00:00Z' : null,
    line: line ?? null,
    max_input_tokens: null,
    max_tokens: model.maxOutputTokens,
    capabilities: capabilitiesOf(model),
  };
}

function capabilitiesOf(model: FakeModel): ModelInfo['capabilities'] {
  const thinks = (type: string) => support(model.thinkingTypes.includes(type));
  return {
    batch: yes,
    citations: yes,
    code_execution: yes,
    context_management: { supported: true, clear_thinking_20251015: yes, clear_tool_uses_20250919: yes, compact_20260112: yes },
    effort: {
      supported: model.effort,
      low: support(model.effort),
      medium: support(model.effort),
      high: support(model.effort),
      xhigh: null,
      max: support(model.effort),
    },
    image_input: yes,
    pdf_input: yes,
    server_tools: { supported: true, code_execution: yes, web_search: yes },
    // Structured outputs go with the models that take `output_config` (effort): the fake's table does not separate them.
    structured_outputs: support(model.effort),
    thinking: {
      supported: model.thinkingTypes.length > 0,
      types: {
        adaptive: thinks('adaptive'),
        between_tools: thinks('between_tools'),
        // "True on a model that does not support thinking" (ThinkingTypes.disabled in the SDK).
        disabled: support(model.thinkingTypes.length === 0 || model.thinkingTypes.includes('disabled')),
        enabled: thinks('enabled'),
      },
    },
  };
}

/** `claude-sonnet-5-5-20261007` → `Claude Sonnet 5.5`. */
function displayName(id: string): string {
  const [, line = '', version = ''] = /^claude-([a-z]+)-([\d-]+?)(?:-\d{8})?$/.exec(id) ?? [];
  return `Claude ${line.charAt(0).toUpperCase()}${line.slice(1)} ${version.replaceAll('-', '.')}`.trim();
}

/** Per-minute limits the fake reports; the real ones depend on the organization's usage tier. */
export interface FakeRateLimits {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export const DEFAULT_RATE_LIMITS: FakeRateLimits = { requests: 4_000, inputTokens: 2_000_000, outputTokens: 400_000 };

/**
 * The `anthropic-ratelimit-*` headers on a Messages API response
 * (https://platform.claude.com/docs/en/api/rate-limits#response-headers): for requests, input and output tokens and
 * their sum, the limit, what remains, and when it is fully replenished (RFC 3339). The fake counts requests only when
 * a test sets a requests limit (fake-anthropic-request-limit.ts); tokens remain whole.
 */
export function rateLimitHeaders(limits: FakeRateLimits, requestsRemaining = limits.requests): Record<string, string> {
  const reset = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const headers: Record<string, string> = {};
  const kinds: [string, number][] = [
    ['requests', limits.requests],
    ['input-tokens', limits.inputTokens],
    ['output-tokens', limits.outputTokens],
    ['tokens', limits.inputTokens + limits.outputTokens],
  ];
  for (const [kind, limit] of kinds) {
    headers[`anthropic-ratelimit-${kind}-limit`] = String(limit);
    headers[`anthropic-ratelimit-${kind}-remaining`] = String(kind === 'requests' ? requestsRemaining : limit);
    headers[`anthropic-ratelimit-${kind}-reset`] = reset;
  }
  return headers;
}
