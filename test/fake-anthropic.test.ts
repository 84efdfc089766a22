import Anthropic, { APIError, APIUserAbortError, AuthenticationError, OverloadedError } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';

// A model that does not think unless asked: these tests are about the wire; the 5.5 generation's own rules have theirs.
const MODEL = 'claude-haiku-4-5';
let fake: FakeAnthropic;

const client = (maxRetries = 0, apiKey = 'test-key') => new Anthropic({ apiKey, baseURL: fake.url, maxRetries });
const ask = (text: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) => ({
  model: MODEL,
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: text }],
  ...extra,
});

async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(async () => {
  fake = await startFakeAnthropic();
});
afterEach(async () => {
  await fake.close();
});

describe('fake Anthropic API driven by the real SDK', () => {
  it('streams an echo of the last user message as several deltas, with usage and the real request headers', async () => {
    // Slow enough (13 tokens over ~1.3 s) that the deltas stay apart even on a loaded machine: a fake running late
    // sends every token due in one delta, as a stream read late arrives in one piece.
    fake.setTiming({ tokensPerSecond: 10 });
    const words = 'one two three four five six seven eight nine ten eleven twelve';
    const stream = client().messages.stream({
      model: MODEL,
      max_tokens: 1024,
      messages: [
        { role: 'user', content: 'an earlier turn' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: words }] },
      ],
    });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();

    const expected = `Echo: ${words}`;
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(expected);
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: expected })]);
    expect(message.id).toMatch(/^msg_fake_/);
    expect(message.model).toBe(MODEL);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBe(13); // "Echo:" plus twelve words
    expect(message.usage.cache_creation_input_tokens).toBe(0);
    expect(message.usage.cache_read_input_tokens).toBe(0);

    const [captured] = fake.requests;
    expect(captured?.headers.authorization).toBe('Bearer test-key');
    expect(captured?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(captured?.body).toMatchObject({ model: MODEL, stream: true });
  });

  it('holds the first token back for firstTokenDelayMs', async () => {
    fake.setTiming({ firstTokenDelayMs: 150 });
    const started = Date.now();
    let firstTextAt = 0;
    const stream = client().messages.stream(ask('hi'));
    stream.once('text', () => (firstTextAt = Date.now()));
    await stream.finalMessage();
    expect(firstTextAt - started).toBeGreaterThanOrEqual(140);
  });

  it('lets the SDK retry a 429 with retry-after 0, then succeeds', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 0 });
    const message = await client(1).messages.create(ask('again'));
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Echo: again' });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('surfaces a 529 as an APIError when retries are off', async () => {
    fake.enqueue({ kind: 'status', status: 529 });
    const error = await client(0).messages.create(ask('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverloadedError);
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error' });
    expect((error as APIError).requestID).toMatch(/^req_fake_/);
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects stream iteration with an APIError after a mid-stream error, without retrying', async () => {
    fake.enqueue({ kind: 'midstream-error', textBefore: 'partial answer here' });
    const stream = client(2).messages.stream(ask('hi'));
    let received = '';
    const iterate = async () => {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') received += event.delta.text;
      }
    };
    const error = await iterate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    // The error arrives inside a 200 response, so the SDK gives it no status: only its type tells what happened.
    expect(error).toMatchObject({ status: undefined, type: 'overloaded_error' });
    expect(received).toBe('partial answer here');
    expect(fake.requests).toHaveLength(1);
  });

  it('fails the stream when the server drops the connection mid-answer', async () => {
    fake.enqueue({ kind: 'disconnect', textBefore: 'half an' });
    const stream = client(2).messages.stream(ask('hi'));
    let received = '';
    stream.on('text', (delta) => (received += delta));
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(received).toBe('half an');
    expect(fake.requests).toHaveLength(1);
  });

  it('delivers tool_use replies with parsed input, streamed and not', async () => {
    const input = { city: 'Zürich', days: 3, units: { temp: 'C' }, tags: ['a', 'b'] };
    fake.enqueue({ kind: 'tool_use', name: 'get_weather', input, text: 'Let me check.' });
    fake.enqueue({ kind: 'tool_use', name: 'get_weather', input });
    fake.setTiming({ tokensPerSecond: 1000 });

    const streamed = await client().messages.stream(ask('weather?')).finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Let me check.' }),
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input, id: expect.stringMatching(/^toolu_fake_/) }),
    ]);

    const plain = await client().messages.create(ask('weather?'));
    expect(plain.stop_reason).toBe('tool_use');
    expect(plain.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input })]);
  });

  it('refuses a tool_use sent back without its tool_result right after it, and takes one with it', async () => {
    const toolUse = { type: 'tool_use' as const, id: 'toolu_1', name: 'get_weather', input: {} };
    const base = { model: 'claude-sonnet-5-5', max_tokens: 4000 };
    const missing = client().messages.create({ ...base, messages: [{ role: 'user', content: 'weather?' }, { role: 'assistant', content: [toolUse] }, { role: 'user', content: 'well?' }] });
    await expect(missing).rejects.toMatchObject({ status: 400, message: expect.stringContaining('toolu_1') });
    fake.enqueue({ kind: 'text', text: 'Sunny.' });
    const answered = await client().messages.create({
      ...base,
      messages: [{ role: 'user', content: 'weather?' }, { role: 'assistant', content: [toolUse] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] }],
    });
    expect(answered.content).toContainEqual(expect.objectContaining({ type: 'text', text: 'Sunny.' }));
  });

  it('cuts a tool call off mid input at max_tokens, billing all of it, with cumulative usage in message_delta', async () => {
    fake.enqueue({ kind: 'tool_use', name: 'write_doc', input: { body: 'x'.repeat(400) } });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    const stream = await client().messages.create({ ...ask('a long doc'), max_tokens: 20, stream: true });
    for await (const event of stream) events.push(event);
    const start = events.find((e) => e.type === 'message_start')!;
    const delta = events.find((e) => e.type === 'message_delta')!;
    expect(start.type === 'message_start' && start.message.usage.input_tokens).toBeGreaterThan(0);
    expect(delta.type === 'message_delta' && delta.delta.stop_reason).toBe('max_tokens');
    expect(delta.type === 'message_delta' && delta.usage.output_tokens).toBe(20);
    const json = events.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta' ? [e.delta.partial_json] : [])).join('');
    expect(() => JSON.parse(json)).toThrow(); // half an object
  });

  it('reports cache creation for a new cache_control prefix and a cache read when it is seen again', async () => {
    const system = 'You are a helpful assistant. '.repeat(40);
    const params = (question: string) =>
      ask(question, { system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }] });
    const prefixTokens = Math.ceil(system.length / 4);

    const first = await client().messages.stream(params('first question')).finalMessage();
    expect(first.usage.cache_creation_input_tokens).toBe(prefixTokens);
    expect(first.usage.cache_read_input_tokens).toBe(0);

    const second = await client().messages.create(params('a different second question'));
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(prefixTokens);
    expect(second.usage.input_tokens).toBe(Math.ceil((system.length + 'a different second question'.length) / 4) - prefixTokens);
  });

  it('rejects a wrong API key with AuthenticationError and accepts the right one either way', async () => {
    await fake.close();
    fake = await startFakeAnthropic({ apiKey: 'right-key' });
    await expect(client(0, 'wrong-key').messages.create(ask('hi'))).rejects.toBeInstanceOf(AuthenticationError);
    await expect(client(0, 'right-key').messages.create(ask('hi'))).resolves.toMatchObject({ role: 'assistant' });

    const viaHeader = await fetch(`${fake.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': 'right-key', 'content-type': 'application/json' },
      body: JSON.stringify(ask('raw')),
    });
    expect(viaHeader.status).toBe(200);
    expect(await viaHeader.json()).toMatchObject({ content: [{ type: 'text', text: 'Echo: raw' }] });
  });

  it('answers a plain request with one Message object, and bad bodies with a 400 naming the field', async () => {
    const message = await client().messages.create(ask('plain'));
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'end_turn' });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: plain' })]);
    expect(message.usage.output_tokens).toBe(2);

    const { max_tokens: _omitted, ...noMaxTokens } = ask('x');
    const bad = await fetch(`${fake.url}/v1/messages`, { method: 'POST', body: JSON.stringify(noMaxTokens) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: /max_tokens/ } });
  });

  it('stops a slow stream when the client aborts it', async () => {
    fake.setTiming({ tokensPerSecond: 5 });
    const stream = client().messages.stream(ask('a long and slow answer that will not finish'));
    // Without a handler the SDK turns the abort into an unhandled rejection.
    const done = stream.done().catch((e: unknown) => e);
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    expect(fake.activeStreams()).toBe(1);
    stream.abort();
    expect(await done).toBeInstanceOf(APIUserAbortError);
    await waitFor(() => fake.activeStreams() === 0);
  });
});

describe('the fake tells the truth about each model (rules cited in fakes/fake-anthropic-models.ts)', () => {
  const refusal = async (body: Record<string, unknown>) => {
    const error = await client().messages.create({ ...ask('hi'), model: 'claude-sonnet-5-5', ...body } as never).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    return error as APIError;
  };
  const tool = { name: 'pick', description: 'd', input_schema: { type: 'object' as const, properties: {} } };

  it('refuses forced tool use on the 5.5 generation and accepts it on Sonnet 5 and Haiku 5.5', async () => {
    for (const choice of [{ type: 'tool', name: 'pick' }, { type: 'any' }]) {
      const error = await refusal({ tools: [tool], tool_choice: choice });
      expect(error.status).toBe(400);
      expect(error.apiMessage).toMatch(/tool_choice: type "tool" and "any" are not supported for this model/);
    }
    fake.enqueue({ kind: 'tool_use', name: 'pick', input: {} }, { kind: 'tool_use', name: 'pick', input: {} });
    for (const model of ['claude-sonnet-5', 'claude-haiku-5-5']) {
      const message = await client().messages.create({ ...ask('hi'), model, tools: [tool], tool_choice: { type: 'tool', name: 'pick' } });
      expect(message.stop_reason).toBe('tool_use');
      // Haiku 5.5 answers a forced tool without thinking first.
      expect(message.content.map((b) => b.type)).toEqual(['tool_use']);
    }
  });

  it('refuses thinking: disabled on Sonnet 5.5 (between_tools instead) and on Opus 5.5 (no way off)', async () => {
    expect((await refusal({ thinking: { type: 'disabled' } })).apiMessage).toMatch(/between_tools/);
    expect((await refusal({ model: 'claude-opus-5-5', thinking: { type: 'between_tools' } })).status).toBe(400);
    expect((await refusal({ thinking: { type: 'enabled', budget_tokens: 2000 } })).status).toBe(400);
  });

  it('thinks by default on Sonnet 5.5, and the thinking counts against max_tokens', async () => {
    fake.setThinkingTokens({ high: 2_000 });
    const cut = await client().messages.create({ ...ask('hi'), model: 'claude-sonnet-5-5', max_tokens: 1_500 });
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.content.map((b) => b.type)).toEqual(['thinking']);
    expect(cut.usage.output_tokens).toBe(1_500);
    const off = await client().messages.create({ ...ask('hi'), model: 'claude-sonnet-5-5', max_tokens: 1_500, thinking: { type: 'between_tools' } });
    expect(off.content.map((b) => b.type)).toEqual(['text']);
  });

  it('returns the text before a tool call inside an (empty) thinking block on Sonnet 5.5', async () => {
    fake.enqueue({ kind: 'tool_use', name: 'pick', input: {}, text: 'Let me look that up for you now.' });
    const message = await client().messages.create({ ...ask('hi'), model: 'claude-sonnet-5-5', tools: [tool] });
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'thinking', 'tool_use']);
    expect(message.content.some((b) => b.type === 'text')).toBe(false);
  });

  it('answers output_config.format with JSON text, and refuses a schema structured outputs cannot take', async () => {
    const schema = { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } }, required: ['a'] };
    fake.enqueue({ kind: 'tool_use', name: 'answer', input: { a: 'x' } });
    const message = await client().messages.create({ ...ask('hi'), model: 'claude-haiku-4-5', output_config: { format: { type: 'json_schema', schema } } });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: '{"a":"x"}' })]);
    const open = { ...schema, additionalProperties: undefined };
    expect((await refusal({ output_config: { format: { type: 'json_schema', schema: open } } })).apiMessage).toMatch(/additionalProperties/);
    const bounded = { ...schema, properties: { a: { type: 'string', maxLength: 4 } } };
    expect((await refusal({ output_config: { format: { type: 'json_schema', schema: bounded } } })).apiMessage).toMatch(/maxLength/);
  });

  it('is a 404 for a model the API does not serve, retired ones included', async () => {
    expect((await refusal({ model: 'claude-sonnet-4-5' })).status).toBe(404);
    expect((await refusal({ model: 'claude-made-up-1' })).status).toBe(404);
  });

  it('sends spend-limit errors with their error code, and a 402 for billing', async () => {
    fake.enqueue({ kind: 'status', status: 429, errorCode: 'enforced_spend_limit_reached' }, { kind: 'status', status: 402 });
    const capped = await client().messages.create(ask('hi')).then(() => undefined, (e: unknown) => e as APIError);
    expect(capped?.status).toBe(429);
    expect(capped?.errorCode).toBe('enforced_spend_limit_reached');
    expect(capped?.headers?.get('retry-after')).toBeNull();
    const billing = await client().messages.create(ask('hi')).then(() => undefined, (e: unknown) => e as APIError);
    expect(billing?.status).toBe(402);
    expect(billing?.type).toBe('billing_error');
  });

  it('goes quiet but for pings while a tool input is being worked on', async () => {
    await fake.close();
    fake = await startFakeAnthropic({ pingIntervalMs: 20 });
    fake.enqueue({ kind: 'tool_use', name: 'pick', input: { a: 1, b: 2 }, pauseMs: 200 });
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...ask('hi'), model: 'claude-haiku-4-5', tools: [tool], stream: true }),
    });
    const raw = await response.text();
    const firstJson = raw.indexOf('input_json_delta');
    const between = raw.slice(firstJson, raw.indexOf('input_json_delta', firstJson + 1));
    expect(between.match(/event: ping/g)?.length).toBeGreaterThanOrEqual(5);
  });
});
