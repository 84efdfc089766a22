import type Anthropic from '@anthropic-ai/sdk';
import { traitsOf, type ModelTraits, type ThinkingType } from './model-traits.js';

/** How hard the model should think for a command: `off` is the least thinking the model allows. */
export type Reasoning = 'off' | 'adaptive';
export type Effort = 'low' | 'medium' | 'high';

/** An answer that must be one JSON object of a schema (a document, a report, a palette, a plan). */
export interface StructuredAnswer {
  /** A snake_case name for it; the tool's name where it is asked for through a tool. */
  name: string;
  description: string;
  /** JSON schema of the object: every property required, no additional properties (structured outputs need both). */
  schema: Record<string, unknown>;
}

/** How a structured answer is asked for, by what the model supports. */
export type StructuredVia = 'format' | 'forced-tool' | 'steered-tool';

/** What a command asks of one call, before it is fitted to the model. */
export interface ShapeInput {
  model: string;
  /** Tokens the visible answer may take; room for thinking is added on top. */
  maxTokens: number;
  system: Anthropic.TextBlockParam[];
  tools?: Anthropic.ToolUnion[] | undefined;
  structured?: StructuredAnswer | undefined;
  reasoning?: Reasoning | undefined;
  effort?: Effort | undefined;
  /** Thinking capped at this many tokens (a channel's `config thinking <tokens>`), with `reasoning: 'adaptive'`. */
  thinkingBudget?: number | undefined;
}

/** The parts of the Messages API request that depend on the model. */
export interface Shaped {
  max_tokens: number;
  system: Anthropic.TextBlockParam[];
  tools?: Anthropic.ToolUnion[];
  tool_choice?: Anthropic.ToolChoice;
  thinking?: Anthropic.ThinkingConfigParam;
  output_config?: Anthropic.OutputConfig;
  /** How the structured answer was asked for; undefined when none was. */
  structuredVia?: StructuredVia;
  /** Whether the model may think before answering (and show "thinking…" meanwhile). */
  thinks: boolean;
}

/** A structured answer offered as a tool the model may call. */
export function toolFor(answer: StructuredAnswer): Anthropic.Tool {
  return { name: answer.name, description: answer.description, input_schema: answer.schema as Anthropic.Tool.InputSchema };
}

/**
 * Room for thinking on top of the answer's own tokens: thinking counts against `max_tokens`, so an answer sized for
 * its text alone would be cut off, or never start, once the model has thought. `max_tokens` is a ceiling, not a
 * charge: only the tokens produced are billed.
 */
const THINKING_ROOM: Record<Effort, number> = { low: 4_000, medium: 12_000, high: 24_000 };
/** `between_tools` still writes short notes between tool calls. */
const NOTES_ROOM = 2_000;

/**
 * Fits a call to its model: structured answers through `output_config.format` where the model has structured outputs,
 * a forced tool where it accepts one, otherwise a tool the prompt asks for; thinking and effort only where accepted.
 */
export function shapeRequest(input: ShapeInput): Shaped {
  const traits = traitsOf(input.model);
  const tools: Anthropic.ToolUnion[] = [...(input.tools ?? [])];
  let system = input.system;
  let toolChoice: Anthropic.ToolChoice | undefined;
  let format: Anthropic.JSONOutputFormat | undefined;
  let structuredVia: StructuredVia | undefined;
  const structured = input.structured;
  if (structured) {
    const tool = toolFor(structured);
    if (traits?.structuredOutputs && !tools.length) {
      format = { type: 'json_schema', schema: formatSchema(structured.schema) };
      structuredVia = 'format';
    } else if (traits?.forcedToolChoice) {
      tools.push(tool);
      toolChoice = { type: 'tool', name: structured.name };
      structuredVia = 'forced-tool';
    } else {
      // A model that takes neither: offer the tool and ask for it in words (`tool_choice: auto` is the default).
      tools.push(tool);
      system = [...system, { type: 'text', text: `Give your answer by calling the \`${structured.name}\` tool, once, and write nothing else.` }];
      structuredVia = 'steered-tool';
    }
  }
  // A forced tool cannot follow thinking on the models that accept forcing: think only where nothing is forced.
  const reasoning = structuredVia === 'forced-tool' ? 'off' : (input.reasoning ?? 'off');
  const budget = reasoning === 'adaptive' ? input.thinkingBudget : undefined;
  const thinking = thinkingFor(traits, reasoning, budget);
  const effort = traits?.effort && input.effort ? input.effort : undefined;
  const thinks = thinking.mode !== 'none';
  // Without an effort the model's own default applies, which is `high` for most: leave room for that. A budget is
  // the room: thinking counts against max_tokens, so the answer's tokens plus the budget cap it on every model.
  const room = thinking.mode === 'notes' ? NOTES_ROOM : thinking.mode === 'full' ? (budget ?? THINKING_ROOM[effort ?? 'high']) : 0;
  const ceiling = traits?.maxOutputTokens ?? input.maxTokens;
  const maxTokens = Math.min(ceiling, input.maxTokens + room);
  // `budget_tokens` "must be ≥1024 and less than max_tokens" (the SDK's ThinkingConfigEnabled).
  const config = thinking.config?.type === 'enabled' ? { ...thinking.config, budget_tokens: Math.max(1024, Math.min(thinking.config.budget_tokens, maxTokens - 1)) } : thinking.config;
  const outputConfig: Anthropic.OutputConfig = { ...(effort ? { effort } : {}), ...(format ? { format } : {}) };
  return {
    max_tokens: maxTokens,
    system,
    ...(tools.length ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(config ? { thinking: config } : {}),
    ...(Object.keys(outputConfig).length ? { output_config: outputConfig } : {}),
    ...(structuredVia ? { structuredVia } : {}),
    thinks,
  };
}

/** How much a call thinks: not at all, short notes between tool calls only, or freely. */
type ThinkingMode = 'none' | 'notes' | 'full';

/** The `thinking` setting for a reasoning level on a model, and how much thinking it allows. */
function thinkingFor(traits: ModelTraits | undefined, reasoning: Reasoning, budget?: number): { config?: Anthropic.ThinkingConfigParam; mode: ThinkingMode } {
  // An unknown model gets no thinking setting at all, which every model accepts; if it thinks anyway, it is
  // by its own default and its answer may be cut short: the price table warns about unknown models.
  if (!traits || traits.thinking.length === 0) return { mode: 'none' };
  const accepts = (type: ThinkingType) => traits.thinking.includes(type);
  // A budget goes as `budget_tokens` where the model still takes manual thinking (the 4.x models), and otherwise as
  // adaptive thinking within max_tokens (the 5.x generation answers `enabled` with a 400).
  if (reasoning === 'adaptive' && budget !== undefined && accepts('enabled')) return { config: { type: 'enabled', budget_tokens: budget }, mode: 'full' };
  if (reasoning === 'adaptive') {
    if (accepts('adaptive')) return { config: { type: 'adaptive' }, mode: 'full' };
    // Older models think only with a manual budget; an answer here does not need one.
    return accepts('disabled') ? { config: { type: 'disabled' }, mode: 'none' } : { mode: 'none' };
  }
  if (accepts('disabled')) return { config: { type: 'disabled' }, mode: 'none' };
  if (accepts('between_tools')) return { config: { type: 'between_tools' }, mode: 'notes' };
  // Thinking that cannot be turned off (Opus 5.5, Fable): adaptive at the effort asked, with room for it.
  return { config: { type: 'adaptive' }, mode: 'full' };
}

/** Keywords structured outputs reject (https://platform.claude.com/docs/en/build-with-claude/structured-outputs). */
const UNSUPPORTED = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength']);

/**
 * A schema as structured outputs take it: every object closed (`additionalProperties: false` is required), no
 * numeric or length bounds, `minItems` only 0 or 1. The bounds dropped here are checked by the code that reads
 * the answer, as they are for a tool's input.
 */
export function formatSchema(schema: unknown): Record<string, unknown> {
  return strip(schema) as Record<string, unknown>;
}

function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (UNSUPPORTED.has(key)) continue;
    if (key === 'minItems' && typeof value === 'number' && value > 1) continue;
    // `properties` maps names to schemas: its keys are names, not keywords, so only its values are stripped.
    out[key] = key === 'properties' && value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strip(sub)]))
      : strip(value);
  }
  if (out.type === 'object') out.additionalProperties = false;
  return out;
}
