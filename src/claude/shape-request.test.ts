import { describe, expect, it } from 'vitest';
import { formatSchema, shapeRequest, type ShapeInput } from './shape-request.js';

const base: ShapeInput = { model: 'claude-sonnet-5-5', maxTokens: 4096, system: [{ type: 'text', text: 'sys' }] };
const plan = { name: 'plan', description: 'd', schema: { type: 'object', properties: { steps: { type: 'array', minItems: 2, items: { type: 'string' } } } } };

describe('shapeRequest', () => {
  it('asks for structured answers through output_config.format where the model has structured outputs', () => {
    const shaped = shapeRequest({ ...base, structured: plan });
    expect(shaped.structuredVia).toBe('format');
    expect(shaped.tool_choice).toBeUndefined();
    expect(shaped.output_config?.format?.schema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: { steps: { type: 'array', items: { type: 'string' } } },
    });
  });

  it('forces the tool only where the model accepts it and the answer shares the call with other tools', () => {
    const tools = [{ name: 'other', description: 'd', input_schema: { type: 'object' as const } }];
    expect(shapeRequest({ ...base, model: 'claude-sonnet-5', tools, structured: plan })).toMatchObject({ structuredVia: 'forced-tool', tool_choice: { type: 'tool', name: 'plan' } });
    // Sonnet 5.5 refuses a forced tool: it is offered, and asked for in words.
    const steered = shapeRequest({ ...base, tools, structured: plan });
    expect(steered.structuredVia).toBe('steered-tool');
    expect(steered.tool_choice).toBeUndefined();
    expect(steered.system.at(-1)!.text).toMatch(/calling the `plan` tool/);
  });

  it('sends nothing model-specific to a model it does not know', () => {
    const shaped = shapeRequest({ ...base, model: 'claude-next-9', structured: plan, reasoning: 'adaptive', effort: 'high' });
    expect(shaped).toMatchObject({ structuredVia: 'steered-tool', max_tokens: 4096 });
    expect(shaped.thinking).toBeUndefined();
    expect(shaped.output_config).toBeUndefined();
  });

  it('turns thinking as far off as each model allows, with room for what remains', () => {
    expect(shapeRequest({ ...base, reasoning: 'off' })).toMatchObject({ thinking: { type: 'between_tools' }, max_tokens: 4096 + 2_000 });
    expect(shapeRequest({ ...base, model: 'claude-sonnet-5', reasoning: 'off' })).toMatchObject({ thinking: { type: 'disabled' }, max_tokens: 4096 });
    // Opus 5.5 cannot stop thinking: adaptive, at the effort asked, with room for it.
    expect(shapeRequest({ ...base, model: 'claude-opus-5-5', reasoning: 'off', effort: 'low' })).toMatchObject({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'low' },
      max_tokens: 4096 + 4_000,
      thinks: true,
    });
  });

  it('leaves effort out where the model rejects it, and keeps max_tokens under the model ceiling', () => {
    const haiku = shapeRequest({ ...base, model: 'claude-haiku-4-5', reasoning: 'adaptive', effort: 'high' });
    expect(haiku.output_config).toBeUndefined();
    expect(haiku.thinking).toEqual({ type: 'disabled' });
    expect(shapeRequest({ ...base, model: 'claude-haiku-4-5', maxTokens: 100_000 }).max_tokens).toBe(64_000);
    expect(shapeRequest({ ...base, reasoning: 'adaptive', effort: 'high', maxTokens: 120_000 }).max_tokens).toBe(128_000);
  });
});

describe('formatSchema', () => {
  it('closes every object and drops the bounds structured outputs reject, but not a property named like one', () => {
    const schema = formatSchema({
      type: 'object',
      properties: { maxLength: { type: 'integer', minimum: 1 }, list: { type: 'array', minItems: 1, maxItems: 5, items: { type: 'object', properties: {} } } },
    });
    expect(schema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        maxLength: { type: 'integer' },
        list: { type: 'array', minItems: 1, maxItems: 5, items: { type: 'object', properties: {}, additionalProperties: false } },
      },
    });
  });
  it('takes a thinking budget as budget_tokens where the model has manual thinking, else as room in max_tokens', () => {
    const base = { maxTokens: 4000, system: [], reasoning: 'adaptive' as const, effort: 'medium' as const, thinkingBudget: 8000 };
    expect(shapeRequest({ ...base, model: 'claude-sonnet-4-6' })).toMatchObject({ max_tokens: 12000, thinking: { type: 'enabled', budget_tokens: 8000 } });
    expect(shapeRequest({ ...base, model: 'claude-sonnet-5-5' })).toMatchObject({ max_tokens: 12000, thinking: { type: 'adaptive' } });
    // budget_tokens stays under max_tokens when the model's output ceiling cuts it.
    expect(shapeRequest({ ...base, model: 'claude-haiku-4-5', thinkingBudget: 64000 })).toMatchObject({ max_tokens: 64000, thinking: { type: 'enabled', budget_tokens: 63999 } });
    // Off is off: no budget is sent.
    expect(shapeRequest({ ...base, reasoning: 'off', model: 'claude-sonnet-4-6' }).thinking).toEqual({ type: 'disabled' });
  });
});
