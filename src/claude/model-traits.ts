/**
 * What each Claude model accepts, so a request is shaped for the model it goes to. Models of the same generation
 * differ in ways that turn a working request into a 400: the 5.5 generation rejects forced tool use and
 * `thinking: disabled`, Fable and Mythos always think, Haiku 4.5 rejects `effort`. Sources are cited per
 * row; the README's "Claude models and prices" has the table, and the fake Messages API enforces the documented rules.
 */

/** A `thinking.type` value the Messages API knows. */
export type ThinkingType = 'adaptive' | 'enabled' | 'disabled' | 'between_tools';

export interface ModelTraits {
  /** `tool_choice` of type `tool` or `any` is accepted (the 5.5 generation and Fable 5.1+ answer it with a 400). */
  forcedToolChoice: boolean;
  /** Structured outputs: `output_config.format` with a JSON schema. */
  structuredOutputs: boolean;
  /** The `thinking.type` values the model accepts; empty for a model without thinking. */
  thinking: readonly ThinkingType[];
  /** Whether the model thinks when the request says nothing about thinking. */
  thinksByDefault: boolean;
  /** `output_config.effort` is accepted. */
  effort: boolean;
  /** Most output tokens one answer may have (`max_tokens` above it is a 400). */
  maxOutputTokens: number;
  /** The day Anthropic retired the model (ISO date): requests to it fail from then on. */
  retiredOn?: string;
}

/** A current model: structured outputs, adaptive thinking on by default, effort, 128K output, forced tools refused. */
const CURRENT: ModelTraits = {
  forcedToolChoice: false,
  structuredOutputs: true,
  thinking: ['adaptive'],
  thinksByDefault: true,
  effort: true,
  maxOutputTokens: 128_000,
};
/** The 4.x models think only when asked, and accept forced tools while they do not think. */
const FOUR: ModelTraits = { ...CURRENT, forcedToolChoice: true, thinking: ['adaptive', 'disabled'], thinksByDefault: false };

/**
 * By id prefix: the longest prefix that ends at a separator wins, so `claude-sonnet-5-5-20260928` is Sonnet 5.5 and
 * never Sonnet 5. Anything not listed is unknown: requests to it carry no thinking or effort settings and ask for
 * structured answers through a tool, which every model accepts; the price table refuses it unless priced.
 * Checked 2026-12-03 against the pages cited.
 */
const TRAITS: Record<string, ModelTraits> = {
  // https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide: forced tool_choice is a 400; `disabled`
  // and `enabled` are 400s, `between_tools` turns up-front thinking off (effort low to high only); adaptive by
  // default at effort high; thinking counts against max_tokens.
  'claude-sonnet-5-5': { ...CURRENT, thinking: ['adaptive', 'between_tools'] },
  // https://platform.claude.com/docs/en/models/opus-5-5/whats-new-opus-5-5: thinking cannot be turned off, forced
  // tool_choice is a 400, default effort medium.
  'claude-opus-5-5': CURRENT,
  // https://platform.claude.com/docs/en/models/fable-5-1/whats-new-fable-5-1 (and fable-5-2, whose breaking changes
  // add none about tools): adaptive thinking always on, forced tool_choice a 400. Mythos shares Fable's specs.
  'claude-fable-5-1': CURRENT,
  'claude-mythos-5-1': CURRENT,
  'claude-fable-5-2': CURRENT,
  'claude-mythos-5-2': CURRENT,
  // https://platform.claude.com/docs/en/models/haiku-5-5/migration-guide: forced tool_choice accepted (the answer
  // then skips thinking); `disabled` accepted at effort high or lower, `enabled` a 400; default effort medium.
  'claude-haiku-5-5': { ...CURRENT, forcedToolChoice: true, thinking: ['adaptive', 'disabled'] },
  // https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide ("every earlier model on this page accepts
  // a tool_choice of type any or tool"); Sonnet 5 and Opus 5 take `adaptive` and `disabled`, not `enabled`.
  'claude-sonnet-5': { ...CURRENT, forcedToolChoice: true, thinking: ['adaptive', 'disabled'] },
  'claude-opus-5': { ...CURRENT, forcedToolChoice: true, thinking: ['adaptive', 'disabled'] },
  // https://platform.claude.com/docs/en/models/fable-5/migration-guide: a thinking configuration is required;
  // `disabled` and `enabled` are 400s.
  'claude-fable-5': { ...CURRENT, forcedToolChoice: true },
  'claude-mythos-5': { ...CURRENT, forcedToolChoice: true },
  'claude-opus-4-8': FOUR,
  'claude-opus-4-7': FOUR,
  'claude-opus-4-6': { ...FOUR, thinking: ['adaptive', 'enabled', 'disabled'] },
  'claude-sonnet-4-6': { ...FOUR, thinking: ['adaptive', 'enabled', 'disabled'] },
  // https://platform.claude.com/docs/en/models/opus-4-5/overview: 200K context, 64K output, manual thinking only.
  'claude-opus-4-5': { ...FOUR, thinking: ['enabled', 'disabled'], maxOutputTokens: 64_000 },
  // Effort is an error on these two (https://platform.claude.com/docs/en/build-with-claude/effort).
  'claude-haiku-4-5': { ...FOUR, thinking: ['enabled', 'disabled'], effort: false, maxOutputTokens: 64_000 },
  // https://platform.claude.com/docs/en/models/sonnet-4-5/overview: "retires on November 30, 2026".
  'claude-sonnet-4-5': { ...FOUR, thinking: ['enabled', 'disabled'], effort: false, maxOutputTokens: 64_000, retiredOn: '2026-11-30' },
};

/** The longest key of `table` that `model` starts with, ending at a separator (`-`, `@`, `:` or the end). */
export function longestPrefix<T>(table: Record<string, T>, model: string): T | undefined {
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (!model.startsWith(key)) continue;
    const next = model.charAt(key.length);
    if (next !== '' && next !== '-' && next !== '@' && next !== ':') continue;
    if (!best || key.length > best.length) best = key;
  }
  return best === undefined ? undefined : table[best];
}

/** What the model accepts; undefined for a model this table does not know. */
export function traitsOf(model: string): ModelTraits | undefined {
  return longestPrefix(TRAITS, model);
}
