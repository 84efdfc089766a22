import type Anthropic from '@anthropic-ai/sdk';
import { traitsOf, type ThinkingType } from '../../claude/model-traits.js';

const THINKING_TYPES: ThinkingType[] = ['adaptive', 'between_tools', 'enabled', 'disabled'];
const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;

/** What the Models API says a model can do, in one line (the fields of the SDK's ModelCapabilities that matter here). */
export function describeCapabilities(info: Anthropic.ModelInfo): string {
  const caps = info.capabilities;
  const size = [
    info.max_tokens !== null ? `${info.max_tokens.toLocaleString('en-US')} output tokens` : undefined,
    info.max_input_tokens !== null ? `${info.max_input_tokens.toLocaleString('en-US')} context` : undefined,
  ].filter(Boolean);
  if (!caps) return ['the Models API lists no capabilities', ...size].join('; ');
  const thinking = caps.thinking.supported
    ? `thinking ${THINKING_TYPES.filter((t) => caps.thinking.types[t]?.supported).join('/')}`
    : 'no thinking';
  const effort = caps.effort.supported ? `effort ${EFFORTS.filter((e) => caps.effort[e]?.supported).join('/')}` : 'no effort setting';
  const inputs = [caps.image_input.supported && 'images', caps.pdf_input.supported && 'PDFs'].filter(Boolean).join(' and ');
  return [
    thinking,
    effort,
    caps.structured_outputs.supported ? 'structured outputs' : 'no structured outputs',
    inputs ? `reads ${inputs}` : 'text input only',
    ...size,
  ].join('; ');
}

/**
 * Where Xiaoliu's own model table (src/claude/model-traits.ts, which shapes every request) disagrees with what the
 * Models API reports; undefined when the table does not know the model. Forced tool use is not among the API's
 * capabilities, so only a real request shows it (the doctor's streamed answer does not force a tool).
 */
export function modelTableDifferences(model: string, info: Anthropic.ModelInfo): string[] | undefined {
  const traits = traitsOf(info.id) ?? traitsOf(model);
  if (!traits) return undefined;
  const caps = info.capabilities;
  const differences: string[] = [];
  const differ = (what: string, table: unknown, api: unknown) => {
    if (table !== api) differences.push(`${what}: table ${String(table)}, API ${String(api)}`);
  };
  if (caps) {
    differ('structured outputs', traits.structuredOutputs, caps.structured_outputs.supported);
    differ('effort', traits.effort, caps.effort.supported);
    if (caps.thinking.supported) {
      for (const type of THINKING_TYPES) differ(`thinking ${type}`, traits.thinking.includes(type), caps.thinking.types[type]?.supported ?? false);
    }
  }
  if (info.max_tokens !== null) differ('most output tokens', traits.maxOutputTokens, info.max_tokens);
  return differences;
}
