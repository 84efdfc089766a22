import Anthropic, { APIError, APIUserAbortError, AuthenticationError, OverloadedError } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';

const MODEL = 'claude-sonnet-5-5';
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
    fake.setTiming({ tokensPerSecond: 200 });
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
