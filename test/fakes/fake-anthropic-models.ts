import { isContinuation, webToolProblem } from './fake-anthropic-web.js';

// What each model accepts, as Anthropic documents it, for the fake Messages API. Written from the documentation,
// not from src/claude/model-traits.ts: the fake is the only Anthropic the tests meet, so a misreading in Xiaoliu's own
// table must show up here as a 400, not be copied. Checked 2026-12-03; the source of each rule is cited beside it.

/** A model generation's documented behaviour. */
export interface FakeModel {
  /** Forced `tool_choice` (`any`, `tool`) is a 400. */
  rejectsForcedTools: boolean;
  /** `thinking.type` values accepted; anything else is a 400. */
  thinkingTypes: readonly string[];
  /** Adaptive thinking runs when the request says nothing about thinking. */
  thinksByDefault: boolean;
  /** Text the model writes before a tool call comes back inside a thinking block (the 5.5 generation). */
  notesInThinking: boolean;
  /** `output_config.effort` is accepted. */
  effort: boolean;
  /** Default effort when none is sent. */
  defaultEffort: string;
  /** Non-default temperature / top_p / top_k are a 400 (Claude 4.7 and later). */
  rejectsSampling: boolean;
  /** An assistant message last (prefill) is a 400. */
  rejectsPrefill: boolean;
  maxOutputTokens: number;
}

const CURRENT: FakeModel = {
  rejectsForcedTools: true,
  thinkingTypes: ['adaptive'],
  thinksByDefault: true,
  notesInThinking: true,
  effort: true,
  defaultEffort: 'high',
  rejectsSampling: true,
  rejectsPrefill: false,
  maxOutputTokens: 128_000,
};
const LEGACY_FIVE: FakeModel = { ...CURRENT, rejectsForcedTools: false, notesInThinking: false, thinkingTypes: ['adaptive', 'disabled'] };
const FOUR: FakeModel = { ...LEGACY_FIVE, thinksByDefault: false, thinkingTypes: ['adaptive', 'disabled'] };

const MODELS: Record<string, FakeModel> = {
  // https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide — forced tool use returns an error;
  // `disabled` is replaced by `between_tools`; `enabled` is a 400; adaptive thinking on by default at effort high;
  // text between tool calls returned in thinking blocks; prefill is a 400; non-default sampling is a 400.
  'claude-sonnet-5-5': { ...CURRENT, thinkingTypes: ['adaptive', 'between_tools'], rejectsPrefill: true },
  // https://platform.claude.com/docs/en/models/opus-5-5/whats-new-opus-5-5 — thinking cannot be disabled; forced
  // tool_choice is a 400; default effort medium.
  'claude-opus-5-5': { ...CURRENT, defaultEffort: 'medium' },
  // https://platform.claude.com/docs/en/models/fable-5-1/whats-new-fable-5-1 — forced tool_choice is a 400;
  // adaptive thinking always on. Fable 5.2 (https://platform.claude.com/docs/en/models/fable-5-2/whats-new-fable-5-2)
  // keeps both. Mythos shares Fable's specifications.
  'claude-fable-5-1': CURRENT,
  'claude-mythos-5-1': CURRENT,
  'claude-fable-5-2': CURRENT,
  'claude-mythos-5-2': CURRENT,
  // https://platform.claude.com/docs/en/models/haiku-5-5/migration-guide — forced tool_choice accepted (the answer
  // then has no thinking block); `disabled` accepted; `enabled` a 400; default effort medium; prefill a 400.
  'claude-haiku-5-5': { ...CURRENT, rejectsForcedTools: false, notesInThinking: false, thinkingTypes: ['adaptive', 'disabled'], defaultEffort: 'medium', rejectsPrefill: true },
  // https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide: "every earlier model on this page accepts
  // a tool_choice of type any or tool"; Sonnet 5 and Opus 5 accept `adaptive` and `disabled`.
  'claude-sonnet-5': LEGACY_FIVE,
  'claude-opus-5': LEGACY_FIVE,
  // https://platform.claude.com/docs/en/models/fable-5/migration-guide — `disabled` and `enabled` are 400s.
  'claude-fable-5': { ...LEGACY_FIVE, thinkingTypes: ['adaptive'] },
  'claude-mythos-5': { ...LEGACY_FIVE, thinkingTypes: ['adaptive'] },
  'claude-opus-4-8': FOUR,
  'claude-opus-4-7': FOUR,
  'claude-opus-4-6': { ...FOUR, thinkingTypes: ['adaptive', 'enabled', 'disabled'], rejectsSampling: false },
  'claude-sonnet-4-6': { ...FOUR, thinkingTypes: ['adaptive', 'enabled', 'disabled'], rejectsSampling: false, maxOutputTokens: 64_000 },
  'claude-opus-4-5': { ...FOUR, thinkingTypes: ['enabled', 'disabled'], rejectsSampling: false, maxOutputTokens: 64_000 },
  // https://platform.claude.com/docs/en/build-with-claude/effort — effort is an error on Haiku 4.5.
  'claude-haiku-4-5': { ...FOUR, thinkingTypes: ['enabled', 'disabled'], effort: false, rejectsSampling: false, maxOutputTokens: 64_000 },
  // claude-sonnet-4-5 is absent: retired 2026-11-30 (https://platform.claude.com/docs/en/models/sonnet-4-5/overview),
  // so it is a 404 like any model the API does not serve.
};

/** The documented model for an id, dated ids included (`claude-haiku-4-5-20251001`); undefined: a 404. */
export function fakeModelOf(id: unknown): FakeModel | undefined {
  if (typeof id !== 'string') return undefined;
  const key = Object.keys(MODELS)
    .filter((k) => id === k || (id.startsWith(k) && /^-\d{8}$/.test(id.slice(k.length))))
    .sort((a, b) => b.length - a.length)[0];
  return key ? MODELS[key] : undefined;
}

/** A request the API refuses, and how. */
export interface Refusal {
  status: number;
  type: string;
  message: string;
}

const invalid = (message: string): Refusal => ({ status: 400, type: 'invalid_request_error', message });

/** Keywords structured outputs reject (https://platform.claude.com/docs/en/build-with-claude/structured-outputs). */
const UNSUPPORTED_SCHEMA = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength'];

/** Why the API would refuse this request for its model; undefined when it would take it. */
export function refusalFor(body: any, model: FakeModel | undefined): Refusal | undefined {
  // https://platform.claude.com/docs/en/api/errors — 404 not_found_error for a model the API does not serve.
  if (!model) return { status: 404, type: 'not_found_error', message: `model: ${String(body.model)}` };
  const choice = body.tool_choice?.type;
  if (model.rejectsForcedTools && (choice === 'any' || choice === 'tool')) {
    return invalid('tool_choice: type "tool" and "any" are not supported for this model.');
  }
  const thinking = body.thinking?.type;
  if (thinking !== undefined && !model.thinkingTypes.includes(thinking)) {
    if (thinking === 'disabled' && model.thinkingTypes.includes('between_tools')) {
      return invalid('To turn thinking off on this model, send "thinking": {"type": "between_tools"} instead of {"type": "disabled"}.');
    }
    return invalid(`"thinking.type.${String(thinking)}" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.`);
  }
  const effort = body.output_config?.effort;
  if (effort !== undefined && !model.effort) return invalid('output_config.effort: effort is not supported for this model.');
  // Sonnet 5.5's migration guide: `between_tools` works at effort low, medium or high only.
  if (thinking === 'between_tools' && (effort === 'xhigh' || effort === 'max')) {
    return invalid('thinking.type "between_tools" is not supported with effort "xhigh" or "max".');
  }
  if (model.rejectsSampling) {
    for (const name of ['temperature', 'top_p', 'top_k']) {
      if (body[name] !== undefined) return invalid(`${name}: sampling parameters are not supported for this model.`);
    }
  }
  // https://platform.claude.com/docs/en/build-with-claude/extended-thinking (ThinkingConfigEnabled in the SDK):
  // `budget_tokens` "must be ≥1024 and less than max_tokens".
  if (thinking === 'enabled') {
    const budget = body.thinking.budget_tokens;
    if (!Number.isInteger(budget) || budget < 1024) return invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    if (budget >= body.max_tokens) return invalid('`max_tokens` must be greater than `thinking.budget_tokens`.');
  }
  const web = webToolProblem(body);
  if (web) return invalid(web);
  // Continuing a paused turn ends with the assistant's content (server-tools page: "continue the conversation with
  // the paused content"); that is not a prefill.
  if (model.rejectsPrefill && body.messages.at(-1)?.role === 'assistant' && !isContinuation(body)) {
    return invalid('This model does not support assistant message prefill. The conversation must end with a user message.');
  }
  if (body.max_tokens > model.maxOutputTokens) {
    return invalid(`max_tokens: ${body.max_tokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${String(body.model)}`);
  }
  const format = body.output_config?.format;
  if (format !== undefined) {
    const problem = format?.type === 'json_schema' ? schemaProblem(format.schema, 'output_config.format.schema') : 'output_config.format.type: must be "json_schema"';
    if (problem) return invalid(problem);
  }
  return undefined;
}

/** Structured outputs' schema rules: every object closed, no numeric or length bounds, minItems only 0 or 1. */
function schemaProblem(node: any, path: string): string | undefined {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) {
      const problem = schemaProblem(item, `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!node || typeof node !== 'object') return undefined;
  if (node.type === 'object' && node.additionalProperties !== false) {
    return `${path}: For 'object' type, 'additionalProperties' must be explicitly set to false`;
  }
  for (const keyword of UNSUPPORTED_SCHEMA) {
    if (keyword in node) return `${path}: '${keyword}' is not supported in structured outputs schemas`;
  }
  if (typeof node.minItems === 'number' && node.minItems > 1) return `${path}: 'minItems' values other than 0 or 1 are not supported`;
  for (const [key, value] of Object.entries(node)) {
    const sub = key === 'properties' && value && typeof value === 'object' ? Object.values(value) : value;
    const problem = schemaProblem(sub, `${path}.${key}`);
    if (problem) return problem;
  }
  return undefined;
}

/** Whether this request makes the model think first, and at what effort. */
export function thinkingOf(body: any, model: FakeModel): { thinks: boolean; effort: string } {
  const effort = String(body.output_config?.effort ?? model.defaultEffort);
  const type = body.thinking?.type;
  // Haiku 5.5's migration guide: with a forced tool_choice the answer starts with the tool call, no thinking block.
  const forced = body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool';
  if (forced || type === 'disabled' || type === 'between_tools') return { thinks: false, effort };
  if (type === 'adaptive' || type === 'enabled') return { thinks: true, effort };
  return { thinks: model.thinksByDefault, effort };
}
