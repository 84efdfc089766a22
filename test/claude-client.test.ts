import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeClient } from '../src/claude/claude-client.js';
import { UserFacingError } from '../src/domain/errors.js';
import { createMetrics } from '../src/metrics/create-metrics.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeReply } from './fakes/fake-anthropic.js';
import { silentLogger } from './support/silent-logger.js';

const question = { model: 'claude-sonnet-5-5', maxTokens: 100, system: [{ type: 'text' as const, text: 'sys' }], messages: [{ role: 'user' as const, content: 'hi' }] };

describe('ClaudeClient (real SDK against the fake Messages API)', () => {
  let model: FakeAnthropic;
  beforeAll(async () => {
    model = await startFakeAnthropic({ apiKey: 'right-key', pingIntervalMs: 50 });
  });
  afterAll(async () => {
    await model?.close();
  });

  function client(options: { apiKey?: string; baseUrl?: string; maxAttempts?: number; idleTimeoutMs?: number } = {}) {
    const metrics = createMetrics({ processMetrics: false });
    const claude = new ClaudeClient({
      apiKey: options.apiKey ?? 'right-key',
      baseUrl: options.baseUrl ?? model.url,
      maxAttempts: options.maxAttempts ?? 3,
      timeoutMs: 5000,
      log: silentLogger(),
      metrics,
      baseDelayMs: 5,
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    });
    return { claude, metrics };
  }

  async function failure(promise: Promise<unknown>): Promise<UserFacingError> {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    return error as UserFacingError;
  }

  it('streams text and reports usage', async () => {
    const deltas: string[] = [];
    model.enqueue({ kind: 'text', text: 'one two three four' });
    model.setTiming({ tokensPerSecond: 1000 });
    const result = await client().claude.chat({ ...question, onText: (d) => deltas.push(d) });
    model.setTiming({ tokensPerSecond: 0 });
    expect(result.text).toBe('one two three four');
    expect(deltas.join('')).toBe(result.text);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.costUsd).toBeGreaterThan(0);
  });

  const palette = { name: 'Dusk', colours: [{ role: 'primary', hex: '#123456' }] };
  const structured = {
    name: 'propose_palette',
    description: 'd',
    schema: { type: 'object', additionalProperties: false, properties: { name: { type: 'string', maxLength: 40 }, colours: { type: 'array', minItems: 2, items: { type: 'object', properties: {} } } } },
  };

  it('asks the default model for a structured answer through output_config.format, never a forced tool', async () => {
    // The default model answers a forced tool_choice with a 400 (the fake says so, as the API does).
    model.enqueue({ kind: 'tool_use', name: 'propose_palette', input: palette });
    const deltas: string[] = [];
    const result = await client().claude.chat({ ...question, structured, onText: (d) => deltas.push(d) });
    expect(result.structured).toEqual(palette);
    expect(deltas).toEqual([]); // JSON is never shown as it streams
    const sent = model.requests.at(-1)!.body;
    expect(sent.tool_choice).toBeUndefined();
    expect(sent.output_config.format.type).toBe('json_schema');
    // Bounds structured outputs reject are left out; every object is closed.
    expect(JSON.stringify(sent.output_config.format.schema)).not.toMatch(/maxLength|minItems/);
    expect(sent.output_config.format.schema.properties.colours.items.additionalProperties).toBe(false);
  });

  it('sends tools the model may call and returns the calls with their streamed input parsed', async () => {
    model.enqueue({ kind: 'tool_use', name: 'use_doc_skill', input: { request: 'a plan' }, text: 'Here:' });
    const tools = [{ name: 'use_doc_skill', description: 'd', input_schema: { type: 'object' as const, properties: {} } }];
    // An older model: the note before the call is text (the 5.5 generation returns it in a thinking block).
    const result = await client().claude.chat({ ...question, model: 'claude-haiku-4-5', tools });
    expect(result.text).toBe('Here:');
    expect(result.stopReason).toBe('tool_use');
    expect(result.toolCalls).toEqual([{ id: expect.stringMatching(/^toolu_/), name: 'use_doc_skill', input: { request: 'a plan' } }]);
    expect(model.requests.at(-1)!.body.tool_choice).toBeUndefined();
  });

  it('leaves room for thinking in max_tokens, so a model that thinks first still answers in full', async () => {
    // Thinking tokens count against max_tokens; here the model thinks 5,000 tokens before a short answer.
    model.setThinkingTokens({ medium: 5_000, high: 5_000 });
    let thinking = 0;
    model.enqueue({ kind: 'text', text: 'the whole answer' });
    const result = await client().claude.chat({ ...question, maxTokens: 4096, reasoning: 'adaptive', effort: 'medium', onThinking: () => thinking++ });
    model.setThinkingTokens({ medium: 300, high: 1_000 });
    expect(result.text).toBe('the whole answer');
    expect(result.stopReason).toBe('end_turn');
    expect(thinking).toBe(1);
    const sent = model.requests.at(-1)!.body;
    expect(sent.thinking).toEqual({ type: 'adaptive' });
    expect(sent.output_config.effort).toBe('medium');
    expect(sent.max_tokens).toBeGreaterThan(4096 + 5_000);
  });

  it('turns thinking off the way each model accepts it', async () => {
    model.enqueue({ kind: 'text', text: 'a' }, { kind: 'text', text: 'b' });
    await client().claude.chat({ ...question, reasoning: 'off' });
    expect(model.requests.at(-1)!.body.thinking).toEqual({ type: 'between_tools' }); // Sonnet 5.5 refuses `disabled`
    await client().claude.chat({ ...question, model: 'claude-sonnet-5', reasoning: 'off' });
    expect(model.requests.at(-1)!.body.thinking).toEqual({ type: 'disabled' });
  });

  it('keeps thinking blocks, signatures intact, so a tool loop can send them back', async () => {
    model.enqueue({ kind: 'tool_use', name: 'lookup', input: { q: 'x' } }, { kind: 'text', text: 'done' });
    const tools = [{ name: 'lookup', description: 'd', input_schema: { type: 'object' as const, properties: {} } }];
    const first = await client().claude.chat({ ...question, tools, reasoning: 'adaptive' });
    expect(first.content[0]).toMatchObject({ type: 'thinking', signature: expect.any(String) });
    const call = first.toolCalls[0]!;
    const loop = [
      ...question.messages,
      { role: 'assistant' as const, content: first.content },
      { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: call.id, content: 'found' }] },
    ];
    const second = await client().claude.chat({ ...question, tools, reasoning: 'adaptive', messages: loop });
    expect(second.text).toBe('done');
    // A changed thinking block is refused, as the API refuses it.
    const changed = loop.map((m) => (m.role === 'assistant' ? { ...m, content: [{ ...first.content[0]!, thinking: 'edited' } as never, ...first.content.slice(1)] } : m));
    const error = await failure(client().claude.chat({ ...question, tools, reasoning: 'adaptive', messages: changed }));
    expect(error.userMessage).toMatch(/could not handle/);
    model.setReply((req) => ({ kind: 'text', text: `Echo: ${JSON.stringify(req.body.messages.at(-1).content)}` }));
  });

  it('stays on a call while the API sends only pings (a tool input that takes longer than the idle timeout)', async () => {
    const tools = [{ name: 'use_doc_skill', description: 'd', input_schema: { type: 'object' as const, properties: {} } }];
    model.enqueue({ kind: 'tool_use', name: 'use_doc_skill', input: { request: 'a long plan', detail: 'x' }, pauseMs: 1_000 });
    const retries: string[] = [];
    const result = await client({ idleTimeoutMs: 300 }).claude.chat({ ...question, tools, onRetry: (_n, reason) => retries.push(reason) });
    expect(retries).toEqual([]);
    expect(result.attempts).toBe(1);
    expect(result.toolCalls[0]!.input).toEqual({ request: 'a long plan', detail: 'x' });
  });

  it('honours retry-after on 429 and says why it retried', async () => {
    model.enqueue({ kind: 'status', status: 429, errorType: 'rate_limit_error', retryAfterSeconds: 0.05 });
    const retries: string[] = [];
    const { claude, metrics } = client();
    const result = await claude.chat({ ...question, onRetry: (_n, reason) => retries.push(reason) });
    expect(result.attempts).toBe(2);
    expect(retries).toEqual(['429']);
    expect(await metrics.registry.getSingleMetricAsString('xiaoliu_claude_retries_total')).toMatch(/reason="429"} 1/);
  });

  it.each<[string, FakeReply, RegExp, number]>([
    ['a refused key', { kind: 'status', status: 401, errorType: 'authentication_error' }, /API key was refused/, 1],
    // https://platform.claude.com/docs/en/api/rate-limits#reaching-your-spend-cap: a 429 with an error code, no
    // retry-after, and no retry gets past it.
    ['the tier\'s monthly spend cap', {
      kind: 'status', status: 429, errorType: 'rate_limit_error', errorCode: 'enforced_spend_limit_reached',
      message: 'You have reached your API usage limits: your organization has crossed its monthly API usage threshold. You will regain access on 2027-01-01 at 00:00 UTC.',
    }, /spending limit/, 1],
    // https://platform.claude.com/docs/en/api/errors: a spend limit the organisation set is a 400.
    ['the organisation\'s own spend limit', {
      kind: 'status', status: 400, errorType: 'invalid_request_error',
      message: 'You have reached your specified API usage limits. You will regain access on 2027-01-01 at 00:00 UTC.',
    }, /spending limit/, 1],
    ['a billing problem', { kind: 'status', status: 402, errorType: 'billing_error' }, /billing problem/, 1],
    ['a bad request', { kind: 'status', status: 400, errorType: 'invalid_request_error', message: 'prompt is too long' }, /rephrasing/, 1],
    ['a retry-after longer than it may wait', { kind: 'status', status: 429, retryAfterSeconds: 3600 }, /busy/, 1],
    ['overload on every attempt', { kind: 'status', status: 529, errorType: 'overloaded_error' }, /busy/, 3],
    ['a stream cut off every time', { kind: 'disconnect', textBefore: 'partial' }, /busy/, 3],
  ])('gives up with a readable message on %s', async (_name, reply, message, attempts) => {
    model.setReply(() => reply);
    const before = model.requests.length;
    const error = await failure(client().claude.chat(question));
    model.setReply((req) => ({ kind: 'text', text: `Echo: ${JSON.stringify(req.body.messages.at(-1).content)}` }));
    expect(error.userMessage).toMatch(message);
    expect(model.requests.length - before).toBe(attempts);
  });

  it('abandons a stream that goes silent after its headers, and retries it', async () => {
    model.enqueue({ kind: 'stall', textBefore: 'half an answer' });
    const retries: string[] = [];
    const result = await client({ idleTimeoutMs: 300 }).claude.chat({ ...question, onRetry: (_n, reason) => retries.push(reason) });
    expect(retries).toEqual(['idle_timeout']);
    expect(result.text).toMatch(/^Echo:/);
  });

  it('retries when the model cannot be reached, then says so', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(client({ baseUrl: `http://127.0.0.1:${port}`, maxAttempts: 2 }).claude.chat(question));
    expect(error.userMessage).toMatch(/could not reach Claude/);
  });

  it('reports what every attempt used, an aborted one included, before the call ends', async () => {
    model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 5 });
    model.enqueue({ kind: 'disconnect', textBefore: 'cut short' }, { kind: 'text', text: 'a slow answer that will not finish in time' });
    const abort = new AbortController();
    const spent: { attempt: number; input: number; output: number; cost: number }[] = [];
    const call = client().claude.chat({
      ...question,
      signal: abort.signal,
      onText: (_delta, soFar) => soFar.startsWith('a slow') && abort.abort(new Error('shutdown')),
      afterAttempt: async ({ attempt, usage, costUsd }) => void spent.push({ attempt, input: usage.inputTokens + usage.cacheWriteTokens + usage.cacheReadTokens, output: usage.outputTokens, cost: costUsd }),
    });
    await expect(call).rejects.toThrow('shutdown');
    model.setTiming({ tokensPerSecond: 0 });
    expect(spent.map((s) => s.attempt)).toEqual([1, 2]);
    for (const s of spent) {
      expect(s.input).toBeGreaterThan(0); // from message_start, although neither attempt reached its message_delta
      expect(s.output).toBeGreaterThan(0);
      expect(s.cost).toBeGreaterThan(0);
    }
  });

  it('stops at once when aborted, without passing a partial answer off as whole', async () => {
    model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 5 });
    model.enqueue({ kind: 'text', text: 'a slow answer that will not finish in time' });
    const abort = new AbortController();
    const call = client().claude.chat({ ...question, signal: abort.signal, onText: () => abort.abort(new Error('shutdown')) });
    await expect(call).rejects.toThrow('shutdown');
    model.setTiming({ tokensPerSecond: 0 });
  });
});
